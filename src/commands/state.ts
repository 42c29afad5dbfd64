import { resolve as resolvePath } from 'node:path';
import type { Command } from 'commander';
import { StateError, UsageError } from '../base/errors.js';
import { DEFAULT_STATE_FILE, hostOfEntry, readState, StateFile, type StateData } from '../run/state-file.js';

/** The state file, as read for a command: a corrupt one is an error here, never moved or changed. */
function readForCommand(path: string): { data: StateData; exists: boolean } {
  const r = readState(path);
  if (r.kind === 'corrupt') {
    throw new StateError('FTL_STATE', `the state file ${path} could not be read (${r.why})`, { hint: 'fix it by hand, or move it away; a session moves it aside to <file>.corrupt-<time> and starts empty' });
  }
  return { data: r.data, exists: r.kind === 'ok' };
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_c, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}

function listText(path: string, data: StateData): string {
  const hosts = Object.entries(data.hosts);
  const resources = Object.entries(data.resources);
  const lines = [`${path}: ${hosts.length} host${hosts.length === 1 ? '' : 's'}, ${resources.length} resource${resources.length === 1 ? '' : 's'}`];
  if (hosts.length > 0) {
    const rows = hosts.map(([name, entry]) => {
      const { vars, groups } = hostOfEntry(entry);
      const str = (v: unknown): string => (v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v));
      return [name, str(vars.ansible_host), str(vars.ansible_port), str(vars.ansible_user), groups.join(',') || 'ungrouped', str(entry.added_at)];
    });
    lines.push(table([['host', 'address', 'port', 'user', 'groups', 'added'], ...rows]));
  }
  if (resources.length > 0) {
    const rows = resources.map(([name, r]) => [name, typeof r.provider === 'string' ? r.provider : '', typeof r.created_at === 'string' ? r.created_at : '']);
    lines.push(table([['resource', 'provider', 'created'], ...rows]));
  }
  return lines.join('\n');
}

/** `ftl state list|rm`: the hosts (and resources) provisioned sessions saved, as FTL2 saves them. */
export function registerStateCommand(program: Command): void {
  const state = program.command('state').description(`the state file of provisioned hosts (FTL2's ${DEFAULT_STATE_FILE}): hosts added with { persist: true }`);
  state
    .command('list')
    .description('the hosts and resources in the state file')
    .option('--state-file <file>', `the state file (default ./${DEFAULT_STATE_FILE})`)
    .option('--json', 'the state file as JSON')
    .action((o: { stateFile?: string; json?: boolean }) => {
      const path = resolvePath(o.stateFile ?? DEFAULT_STATE_FILE);
      const { data, exists } = readForCommand(path);
      if (o.json === true) process.stdout.write(`${JSON.stringify(data)}\n`);
      else process.stdout.write(exists ? `${listText(path, data)}\n` : `no state file at ${path} (ftl.addHost(name, vars, groups, { persist: true }) writes one)\n`);
    });
  state
    .command('rm')
    .description('remove a host (and a resource of that name) from the state file')
    .argument('<name...>', 'host or resource names')
    .option('--state-file <file>', `the state file (default ./${DEFAULT_STATE_FILE})`)
    .action((names: string[], o: { stateFile?: string }) => {
      const path = resolvePath(o.stateFile ?? DEFAULT_STATE_FILE);
      const { data } = readForCommand(path);
      const unknown = names.filter((n) => !(n in data.hosts) && !(n in data.resources));
      if (unknown.length > 0) {
        const have = Object.keys(data.hosts);
        throw new UsageError('FTL_USAGE', `no host or resource ${unknown.map((n) => `'${n}'`).join(', ')} in ${path}`, { hint: have.length === 0 ? 'the state file has no hosts' : `it has ${have.slice(0, 5).join(', ')}${have.length > 5 ? ', …' : ''} (ftl state list)` });
      }
      const file = new StateFile(path, () => undefined);
      for (const n of names) file.remove(n, 'any');
      process.stdout.write(`removed ${names.join(', ')} from ${path}\n`);
    });
}
