/**
 * A real local gate carrying Ansible's module_utils, called with Ansible's own modules
 * (never the gate's native ones), as the controller calls it: the request built by
 * buildModuleRequest, sources sent once, the reply read by interpretReply.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureGate } from '../../src/gate/pyz.js';
import { spawnLocalGate } from '../../src/gate/local.js';
import { GateClient } from '../../src/gate/client.js';
import { ModuleIndex } from '../../src/modules/index.js';
import { buildModuleRequest, interpretReply } from '../../src/modules/request.js';
import { gatePayload } from '../../src/hosts/gate-build.js';
import { isAlive } from '../../src/lab/procs.js';

/** Test modules (ftl_probe, ftl_crash, ...): FTL_MODULE_PATH for ftl, ANSIBLE_LIBRARY for ansible. */
export const FIXTURE_MODULES = fileURLToPath(new URL('./fixtures/modules', import.meta.url));
/** The interpreter the oracle runs modules with, so that python facts compare. */
export const PYTHON = '/usr/bin/python3';

let index: Promise<ModuleIndex> | undefined;

export function fixtureIndex(): Promise<ModuleIndex> {
  index ??= ModuleIndex.load({ env: { ...process.env, FTL_MODULE_PATH: FIXTURE_MODULES } });
  return index;
}

export interface CallOptions {
  check?: boolean;
  diff?: boolean;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface ModuleGate {
  readonly session: GateClient;
  call(module: string, args: Record<string, unknown>, opts?: CallOptions): Promise<Record<string, unknown>>;
  /** The gate's Info reply (zygote_pid: the zygote's pid, null without one). */
  info(): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/** zygote false: the gate runs every module in a new interpreter (FTL_GATE_NO_ZYGOTE=1). env: more for the gate's; python: another interpreter for it. */
export async function openModuleGate(opts: { zygote: boolean; env?: Record<string, string>; python?: string }): Promise<ModuleGate> {
  const cacheDir = mkdtempSync(join(tmpdir(), 'ftl-module-gate-'));
  const build = await ensureGate({ cacheDir, extra: await gatePayload() });
  const env = { ...process.env, ...(opts.zygote ? {} : { FTL_GATE_NO_ZYGOTE: '1' }), ...opts.env };
  const session = await GateClient.open(spawnLocalGate(build.path, { python: opts.python ?? PYTHON, env }), { host: 'localhost' });
  const modules = await fixtureIndex();
  const sentHashes = new Set<string>();
  return {
    session,
    async call(module, args, o = {}) {
      const found = modules.resolve(module);
      if (found === undefined) throw new Error(`no module ${module}`);
      const info = { ...found, native: false };
      const request = buildModuleRequest(info, args, {
        check: o.check === true,
        diff: o.diff === true,
        verbosity: 0,
        ansibleVersion: modules.ansibleVersion,
        sentHashes,
        collectionRoots: modules.collectionRoots,
      });
      const ro = { timeoutMs: o.timeoutMs ?? 120_000, ...(o.signal === undefined ? {} : { signal: o.signal }) };
      let reply = await session.request(request.type, request.data, ro);
      if (reply.type === 'ModuleNotFound' && request.withSource !== undefined) {
        const full = request.withSource();
        reply = await session.request(full.type, full.data, ro);
      }
      return interpretReply(reply, info.fqcn).result;
    },
    async info() {
      return (await session.request('Info', {})).data;
    },
    async close() {
      await session.close();
      rmSync(cacheDir, { recursive: true, force: true });
    },
  };
}

/** Alive and not a zombie waiting to be reaped. */
export const alive = isAlive;
