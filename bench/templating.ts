/**
 * What templating costs on a warm call on 10 lab hosts, ftl next to ansible-console (with
 * pipelining, Ansible's quickest warm path): a command without `{{ }}` (ftl never reaches
 * its Ansible worker), the same with `{{ inventory_hostname }}` in its args (one Template
 * request for the 10 hosts), and the template action on a file without and with variables
 * (one RenderTemplate request, then the copy). Prints medians and p95 per call.
 *
 *   npm run build && node --import tsx bench/templating.ts [hosts=10] [calls=15]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConsoleDriver, FtlLibDriver, type Driver, type Work } from './drivers.js';
import { ansibleEnv, Fleet, stopMasters } from './fleet.js';
import { summarise } from './stats.js';

const hosts = Number.parseInt(process.argv[2] ?? '10', 10);
const calls = Number.parseInt(process.argv[3] ?? '15', 10);

function works(dir: string): { name: string; work: Work }[] {
  const plain = join(dir, 'plain.j2');
  const vars = join(dir, 'vars.j2');
  writeFileSync(plain, 'a file with no templating at all\n'.repeat(20));
  writeFileSync(vars, '# {{ ansible_managed }}\nhost {{ inventory_hostname }} ({{ ansible_host }})\n{% for h in groups["bench"] %}peer {{ h }} {{ hostvars[h].ansible_host }}:{{ hostvars[h].ansible_port }}\n{% endfor %}');
  const out = join(dir, 'out');
  mkdirSync(out, { recursive: true });
  // key is only a label for the drivers; module, args and the console line say what runs.
  const w = (label: string, module: string, args: Record<string, unknown>, consoleLine: string): Work => ({ key: 'command', label, module, args, js: '', console: consoleLine });
  return [
    { name: 'command, no {{ }}', work: w('command', 'command', { cmd: 'echo plain' }, 'command echo plain') },
    { name: 'command with {{ inventory_hostname }}', work: w('command', 'command', { cmd: 'echo {{ inventory_hostname }}' }, 'command echo {{ inventory_hostname }}') },
    { name: 'template, a file without {{ }}', work: w('template', 'template', { src: plain, dest: `${out}/{{ inventory_hostname }}-plain` }, `template src=${plain} dest=${out}/{{ inventory_hostname }}-plain`) },
    { name: 'template with hostvars and a loop', work: w('template', 'template', { src: vars, dest: `${out}/{{ inventory_hostname }}-vars` }, `template src=${vars} dest=${out}/{{ inventory_hostname }}-vars`) },
  ];
}

async function series(driver: Driver, work: Work): Promise<{ median: number; p95: number; failures: number; first: string }> {
  await driver.series(work, 2);
  const r = await driver.series(work, calls);
  const s = summarise(r.samples);
  return { median: s.median, p95: s.p95, failures: r.failures, first: r.firstError };
}

const workDir = mkdtempSync(join(tmpdir(), 'ftl-bench-templating-'));
const fleet = await Fleet.up(hosts, workDir);
try {
  const inv = fleet.inventory(hosts);
  const list = works(workDir);
  const ftl = await FtlLibDriver.open(inv, hosts, { forks: hosts });
  const controlDir = join(workDir, 'cp');
  const ansible = await ConsoleDriver.open(inv, hosts, ansibleEnv({ pipelining: true, forks: Math.max(hosts, 5), controlDir }, workDir), controlDir, workDir);
  try {
    console.log(`warm calls on ${String(hosts)} lab hosts, ${String(calls)} each after 2 to warm up (ms per call: median / p95)`);
    const rows: string[][] = [];
    // Taking turns call kind by call kind: both tools meet the same load.
    for (const { name, work } of list) {
      const f = await series(ftl, work);
      const a = await series(ansible, work);
      rows.push([name, `${f.median.toFixed(0)} / ${f.p95.toFixed(0)}`, `${a.median.toFixed(0)} / ${a.p95.toFixed(0)}`, loadavg()[0]?.toFixed(1) ?? '?']);
      if (f.failures + a.failures > 0) console.log(`  failures in ${name}: ftl ${String(f.failures)} ${f.first} ansible ${String(a.failures)} ${a.first}`);
    }
    const width = [40, 16, 26, 6];
    const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(width[i] ?? 10)).join(' ');
    console.log(line(['call', 'ftl', 'ansible-console (pipelining)', 'load']));
    for (const r of rows) console.log(line(r));
  } finally {
    await ftl.close();
    await ansible.close();
    await stopMasters(controlDir);
  }
} finally {
  await fleet.down();
  rmSync(workDir, { recursive: true, force: true });
}
