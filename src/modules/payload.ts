import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { probeAnsible } from './ansible-env.js';

/**
 * What a host needs of Ansible to run its modules: `ansible/module_utils`, carried
 * inside the gate so a host never needs Ansible installed. `ansible/__init__.py` is a
 * stub: the real one pulls in controller-only code.
 */
export async function moduleUtilsPayload(env: NodeJS.ProcessEnv = process.env): Promise<Record<string, Uint8Array>> {
  const ansible = await probeAnsible(env);
  if (ansible.ansibleDir === undefined) return {};
  const root = ansible.ansibleDir;
  const out: Record<string, Uint8Array> = {
    'ansible/__init__.py': Buffer.from('"""ansible package stub carried by the ftl gate: module_utils only."""\n'),
    'ansible/modules/__init__.py': Buffer.from(''),
    'ansible/release.py': readFileSync(join(root, 'release.py')),
  };
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      if (name === '__pycache__') continue;
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.py')) out[`ansible/${relative(root, full).split(sep).join('/')}`] = readFileSync(full);
    }
  };
  walk(join(root, 'module_utils'));
  return out;
}
