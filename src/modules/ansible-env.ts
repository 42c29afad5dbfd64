import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where the controller's Ansible lives, if it has one. */
export interface AnsibleEnv {
  readonly python: string;
  readonly ansibleDir: string | undefined;
  readonly version: string | undefined;
  /** Directories that contain an `ansible_collections` package directory, or are one. */
  readonly collectionRoots: readonly string[];
}

const PROBE = `
import json, os, importlib.util
out = {"ansible": None, "version": None, "collections": []}
try:
    import ansible
    from ansible.release import __version__
    out["ansible"] = os.path.dirname(ansible.__file__)
    out["version"] = __version__
except Exception:
    pass
try:
    spec = importlib.util.find_spec("ansible_collections")
    if spec and spec.submodule_search_locations:
        out["collections"] = list(spec.submodule_search_locations)
except Exception:
    pass
print(json.dumps(out))
`;

/** The Python that runs Ansible on the controller: FTL_PYTHON, else Debian's, else python3. */
export function controllerPython(env: NodeJS.ProcessEnv): string {
  if (env.FTL_PYTHON !== undefined && env.FTL_PYTHON !== '') return env.FTL_PYTHON;
  return existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

/** Probes by interpreter and search path: the module index and the gate's payload both ask at start, and one Python run answers both. */
const probes = new Map<string, Promise<AnsibleEnv>>();

export function probeAnsible(env: NodeJS.ProcessEnv): Promise<AnsibleEnv> {
  const python = controllerPython(env);
  if (env.FTL_NO_ANSIBLE === '1') return Promise.resolve({ python, ansibleDir: undefined, version: undefined, collectionRoots: [] });
  const key = [python, env.PYTHONPATH ?? '', env.PATH ?? '', env.PYTHONHOME ?? '', env.ANSIBLE_COLLECTIONS_PATH ?? '', env.VIRTUAL_ENV ?? ''].join('\0');
  let p = probes.get(key);
  if (p === undefined) probes.set(key, (p = runProbe(python, env)));
  return p;
}

async function runProbe(python: string, env: NodeJS.ProcessEnv): Promise<AnsibleEnv> {
  try {
    const { stdout } = await run(python, ['-c', PROBE], { timeout: 15_000, env: { ...env, PYTHONWARNINGS: 'ignore' } });
    const p = JSON.parse(stdout) as { ansible: string | null; version: string | null; collections: string[] };
    return { python, ansibleDir: p.ansible ?? undefined, version: p.version ?? undefined, collectionRoots: p.collections };
  } catch {
    return { python, ansibleDir: undefined, version: undefined, collectionRoots: [] };
  }
}
