export { FtlError, ERROR_CODES } from './errors.js';
export type { ErrorCode } from './errors.js';
