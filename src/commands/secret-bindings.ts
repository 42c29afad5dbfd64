import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { FtlError, UsageError } from '../base/errors.js';
import { readYaml } from '../inventory/sources.js';
import type { SecretBindings } from '../run/session-secrets.js';

/**
 * --secret-bindings FILE: a YAML or JSON mapping of module pattern → { parameter:
 * SECRET_NAME }, as the library's secretBindings (FTL2's secret_bindings). The file names
 * secrets, never holds them; the shape is checked when the session starts.
 */
export function readSecretBindings(file: string, cwd = process.cwd()): SecretBindings {
  if (file.trim() === '') throw new UsageError('FTL_USAGE', '--secret-bindings needs a file', { hint: "e.g. --secret-bindings bindings.yml holding  'community.aws.*': { aws_secret_key: AWS_SECRET_KEY }" });
  const path = resolvePath(cwd, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError('FTL_USAGE', `--secret-bindings ${file}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`, { hint: 'give a YAML or JSON file of module pattern: { parameter: SECRET_NAME }' });
  }
  let data: unknown;
  try {
    data = readYaml(text, file);
  } catch (e) {
    throw e instanceof FtlError ? new UsageError('FTL_USAGE', `--secret-bindings ${file}: ${e.message}`, { hint: e.hint }) : e;
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new UsageError('FTL_USAGE', `--secret-bindings ${file} does not hold a mapping of module patterns`, { hint: "e.g.  'community.aws.*': { aws_secret_key: AWS_SECRET_KEY }" });
  }
  return data as SecretBindings;
}
