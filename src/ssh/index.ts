export { createSshGateFactory, type SshGateFactory, type SshGateFactoryOptions, type SshGateFactoryStats } from './factory.js';
export { openSshGate, type SshGateOptions } from './transport.js';
export { SshConnectionPool, type SshPoolOptions } from './pool.js';
export { resolveTarget, type SshTarget } from './target.js';
export { sshGLookup, type SshConfigLookup } from './config.js';
