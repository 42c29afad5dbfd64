/**
 * Runs template cases through ansible-playbook and through ftl on lab hosts, from the same
 * project directory (./templates, ./files, an inventory with the cases' variables), and
 * lists every difference: file bytes and modes on the hosts, and results after
 * normalising what must differ (the temp file Ansible names as src).
 */
import { execFile } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { automation } from '../../src/run/automation.js';
import { normalise, type AnsibleResult } from '../helpers/ansible.js';
import { GROUP_VARS, HOST_VARS, type TemplateCase } from './cases.js';

const FIXTURES = new URL('../fixtures/templates/', import.meta.url).pathname;
const HOSTS = ['lab01', 'lab02'];
const NORMALISE = { volatile: ['src', 'after_header'], drop: ['exception'] };

type Files = Map<string, { data: Buffer; mode: number } | undefined>;

export interface ParityReport {
  readonly differences: string[];
  /** Host renderings compared, files written by Ansible, failures compared. */
  readonly compared: number;
  readonly rendered: number;
  readonly failed: number;
  readonly ansibleMs: number;
  readonly ftlMs: number;
}

const key = (c: TemplateCase, host: string): string => `${c.name} on ${host}`;
const hostsOf = (c: TemplateCase): string[] => (c.both === true ? HOSTS : ['lab01']);
const dest = (out: string, c: TemplateCase): string => `${out}/{{ inventory_hostname }}/${c.name}`;

function readFiles(cases: readonly TemplateCase[], out: string): Files {
  const files: Files = new Map();
  for (const c of cases) {
    for (const h of hostsOf(c)) {
      const p = join(out, h, c.name);
      files.set(key(c, h), existsSync(p) ? { data: readFileSync(p), mode: statSync(p).mode & 0o7777 } : undefined);
    }
  }
  return files;
}

function resetOut(out: string): void {
  rmSync(out, { recursive: true, force: true });
  for (const h of HOSTS) mkdirSync(join(out, h), { recursive: true });
}

/**
 * One ansible-playbook run: facts gathered, then every case as a task on its hosts: first
 * the cases that run with a local connection, then those over the lab's SSH.
 */
function ansibleSide(cases: readonly TemplateCase[], dir: string, out: string): Promise<Map<string, AnsibleResult>> {
  const task = (c: TemplateCase): Record<string, unknown> => ({
    name: c.name,
    template: { src: c.src, dest: dest(out, c), ...c.args },
    ...(c.vars === undefined ? {} : { vars: c.vars }),
    ...(c.check === true ? { check_mode: true } : {}),
    ...(c.diff === true ? { diff: true } : {}),
    ...(c.both === true ? {} : { when: "inventory_hostname == 'lab01'" }),
    ignore_errors: true,
  });
  // The ad-hoc command's play name, so that ansible_play_name is the same on both sides.
  const plays = [
    { name: 'Ansible Ad-Hoc', hosts: 'lab', connection: 'local', gather_facts: true, tasks: cases.filter((c) => c.ssh !== true).map(task) },
    { name: 'Ansible Ad-Hoc', hosts: 'lab', gather_facts: false, tasks: cases.filter((c) => c.ssh === true).map(task) },
  ];
  writeFileSync(join(dir, 'play.yml'), JSON.stringify(plays));
  const env = { ...process.env, ANSIBLE_LOAD_CALLBACK_PLUGINS: '1', ANSIBLE_STDOUT_CALLBACK: 'json', ANSIBLE_NOCOLOR: '1', ANSIBLE_RETRY_FILES_ENABLED: 'False', ANSIBLE_DEPRECATION_WARNINGS: 'False', ANSIBLE_PIPELINING: 'True' };
  return new Promise((resolve, reject) => {
    execFile('ansible-playbook', ['-i', 'inventory.yml', 'play.yml'], { cwd: dir, env, maxBuffer: 256 * 1024 * 1024, timeout: 900_000 }, (err, stdout, stderr) => {
      if (err !== null && err.code !== 2) {
        reject(new Error(`ansible-playbook failed (${String(err.code ?? err.signal)}): ${stderr || err.message}`));
        return;
      }
      const parsed = JSON.parse(stdout.slice(stdout.indexOf('{'))) as { plays: { tasks: { task: { name: string }; hosts: Record<string, AnsibleResult> }[] }[] };
      const results = new Map<string, AnsibleResult>();
      for (const t of parsed.plays.flatMap((p) => p.tasks)) {
        const c = cases.find((x) => x.name === t.task.name);
        if (c === undefined) continue;
        for (const [h, r] of Object.entries(t.hosts)) results.set(key(c, h), r);
      }
      resolve(results);
    });
  });
}

/** The project directory both sides run from, with the lab's inventory and the cases' variables. */
function project(labInventory: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ftl-template-parity-'));
  cpSync(FIXTURES, join(dir, 'templates'), { recursive: true, filter: (p) => !p.startsWith(join(FIXTURES, 'files')) });
  cpSync(join(FIXTURES, 'files'), join(dir, 'files'), { recursive: true });
  chmodSync(join(dir, 'templates', 'motd.j2'), 0o640);
  const inv = parse(readFileSync(labInventory, 'utf8')) as { lab: { hosts: Record<string, Record<string, unknown>>; vars: Record<string, unknown> } };
  Object.assign(inv.lab.vars, GROUP_VARS);
  for (const [h, vars] of Object.entries(HOST_VARS)) Object.assign(inv.lab.hosts[h] ?? {}, vars);
  writeFileSync(join(dir, 'inventory.yml'), stringify(inv));
  return dir;
}

function compare(cases: readonly TemplateCase[], theirs: { results: Map<string, AnsibleResult>; files: Files }, ours: { results: Map<string, AnsibleResult>; files: Files }): Omit<ParityReport, 'ansibleMs' | 'ftlMs'> {
  const differences: string[] = [];
  let compared = 0;
  let rendered = 0;
  let failed = 0;
  for (const c of cases) {
    for (const h of hostsOf(c)) {
      const k = key(c, h);
      compared++;
      const a = theirs.files.get(k);
      const b = ours.files.get(k);
      if (a !== undefined) rendered++;
      if (a === undefined && b !== undefined) differences.push(`${k}: ftl wrote a file, ansible did not`);
      else if (a !== undefined && b === undefined) differences.push(`${k}: ansible wrote a file, ftl did not`);
      else if (a !== undefined && b !== undefined) {
        if (!a.data.equals(b.data)) differences.push(`${k}: the files differ\n  ansible: ${JSON.stringify(a.data.toString('latin1'))}\n  ftl:     ${JSON.stringify(b.data.toString('latin1'))}`);
        if (a.mode !== b.mode) differences.push(`${k}: mode ${a.mode.toString(8)} (ansible) and ${b.mode.toString(8)} (ftl)`);
      }
      const ra = normalise(theirs.results.get(k) ?? { missing: true }, NORMALISE);
      const rb = normalise(ours.results.get(k) ?? { missing: true }, NORMALISE);
      if (ra.failed === true) failed++;
      if (c.refused !== undefined) {
        if (ra.failed !== true || rb.refused !== 'as expected') differences.push(`${k}: ansible ${JSON.stringify(ra.msg)}, ftl ${JSON.stringify(rb.refused)}`);
        continue;
      }
      if (!isDeepStrictEqual(ra, rb)) differences.push(`${k}: the results differ\n  ansible: ${JSON.stringify(ra)}\n  ftl:     ${JSON.stringify(rb)}`);
    }
  }
  return { differences, compared, rendered, failed };
}

export async function runParity(labInventory: string, cases: readonly TemplateCase[]): Promise<ParityReport> {
  const dir = project(labInventory);
  const out = join(dir, 'out');
  const before = process.cwd();
  const savedEnv = process.env.FTL_PARITY_ENV;
  try {
    // Both sides run from the project directory: ./templates, ./files, playbook_dir, pipe's cwd.
    process.chdir(dir);
    process.env.FTL_PARITY_ENV = 'from the environment';
    resetOut(out);
    const t0 = Date.now();
    const theirs = { results: await ansibleSide(cases, dir, out), files: readFiles(cases, out) };
    const ansibleMs = Date.now() - t0;

    resetOut(out);
    const t1 = Date.now();
    const ftl = await automation({ inventory: 'inventory.yml', forks: 5 });
    const results = new Map<string, AnsibleResult>();
    try {
      const facts = await ftl.run('lab', 'setup', {});
      if (facts.ok.length !== 2) throw new Error(`facts were not gathered on both lab hosts: ${JSON.stringify(facts.hosts)}`);
      for (const c of cases) {
        if (c.refused !== undefined) {
          const refusal = await ftl.run('lab01', 'template', { src: c.src, dest: dest(out, c), ...c.args }).then(
            () => 'not refused',
            (e: unknown) => (e instanceof Error ? e.message : String(e)),
          );
          results.set(key(c, 'lab01'), { refused: c.refused.test(refusal) ? 'as expected' : refusal });
          continue;
        }
        const r = await ftl.run(c.both === true ? 'lab' : 'lab01', 'template', { src: c.src, dest: dest(out, c), ...c.args }, { vars: { ...c.vars }, check: c.check === true, diff: c.diff === true });
        for (const h of hostsOf(c)) results.set(key(c, h), { ...(r.host(h) ?? {}) });
      }
    } finally {
      await ftl.close();
    }
    const ours = { results, files: readFiles(cases, out) };
    return { ...compare(cases, theirs, ours), ansibleMs, ftlMs: Date.now() - t1 };
  } finally {
    process.chdir(before);
    if (savedEnv === undefined) delete process.env.FTL_PARITY_ENV;
    else process.env.FTL_PARITY_ENV = savedEnv;
    rmSync(dir, { recursive: true, force: true });
  }
}
