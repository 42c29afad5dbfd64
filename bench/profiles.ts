import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { FTL_BIN, FtlLibDriver, ROOT, WORK } from './drivers.js';
import { GROUP, type Fleet } from './fleet.js';
import { formatProfile, newestProfile, summariseProfile } from './profile.js';
import { hostPaths } from '../src/lab/files.js';
import { summarise } from './stats.js';

function runTo(cmd: string, args: string[], stdin: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['pipe', 'ignore', 'inherit'] });
    child.once('error', reject);
    child.once('close', () => {
      resolve();
    });
    child.stdin.end(stdin);
  });
}

/** Wall and CPU time of a command run `runs` times (through /usr/bin/time), medians in ms. */
function timed(cmd: string[], opts: { env: NodeJS.ProcessEnv; cwd: string; input: string }, runs: number): { wall: number; cpu: number } {
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync('/usr/bin/time', ['-f', '@@time %e %U %S', ...cmd], { ...opts, encoding: 'utf8' });
    const m = /@@time (\S+) (\S+) (\S+)/.exec(r.stderr);
    if (m === null) continue;
    walls.push(Number(m[1]) * 1000);
    cpus.push((Number(m[2]) + Number(m[3])) * 1000);
  }
  return { wall: summarise(walls).median, cpu: summarise(cpus).median };
}

/**
 * Where the time goes: V8 CPU profiles of the controller (warm ping and lineinfile on
 * `hosts` hosts, over the measured calls only; a cold `ftl run` and a cold piped REPL),
 * and the host's side of one Ansible module call, taken apart.
 */
export async function benchProfiles(fleet: Fleet, hosts: number, dir: string, log: (s: string) => void): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const out: string[] = [];
  const say = (text: string): void => {
    out.push(text);
    log(text);
  };
  const inv = fleet.inventory(hosts);
  const driver = await FtlLibDriver.open(inv, hosts, { forks: hosts });
  try {
    for (const key of ['ping', 'lineinfile'] as const) {
      await driver.series(WORK[key], 3);
      const file = join(dir, `warm-${key}-${String(hosts)}.cpuprofile`);
      const n = key === 'ping' ? 200 : 20;
      const r = await driver.series(WORK[key], n, undefined, file);
      say(formatProfile(`controller, warm ${WORK[key].label} on ${String(hosts)} hosts, ${String(n)} calls (median ${summarise(r.samples).median.toFixed(1)} ms)`, summariseProfile(file)));
    }
  } finally {
    await driver.close();
  }
  const coldDir = join(dir, 'cold-run');
  await runTo(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${coldDir}`, FTL_BIN, 'run', '-i', inv, GROUP, 'ping'], '');
  const coldRun = newestProfile(coldDir);
  if (coldRun !== undefined) say(formatProfile(`controller, cold ftl run ping on ${String(hosts)} hosts (gate deployed), whole process`, summariseProfile(coldRun)));
  const replDir = join(dir, 'cold-repl');
  await runTo(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${replDir}`, FTL_BIN, '-i', inv], `ftl.${GROUP}.ping()\n`);
  const coldRepl = newestProfile(replDir);
  if (coldRepl !== undefined) say(formatProfile(`controller, cold piped REPL ping on ${String(hosts)} hosts (gate deployed), whole process`, summariseProfile(coldRepl)));

  // The host's side of a warm Ansible module call: what the gate does per call, by hand.
  const host = fleet.lab.hosts[0];
  if (host !== undefined) {
    const home = hostPaths(host).home;
    const gate = readdirSync(join(home, '.ftl')).find((f) => f.endsWith('.pyz'));
    const mod = readdirSync(join(home, '.ftl', 'modules')).find((f) => f.startsWith('ansible_builtin_lineinfile'));
    if (gate !== undefined && mod !== undefined) {
      const env = { ...process.env, HOME: home, PYTHONPATH: join(home, '.ftl', gate), LANG: 'C.UTF-8' };
      const args = JSON.stringify({ ANSIBLE_MODULE_ARGS: WORK.lineinfile.args });
      const o = { env, cwd: home, input: args };
      const bare = timed(['/usr/bin/python3', '-c', 'pass'], o, 5);
      const basic = timed(['/usr/bin/python3', '-c', 'import ansible.module_utils.basic'], o, 5);
      const whole = timed(['/usr/bin/python3', join(home, '.ftl', 'modules', mod)], o, 5);
      say(
        [
          `host side of one warm lineinfile call (what the gate runs per call: a new Python with the gate's zip on its path), median of 5, wall / CPU:`,
          `  python3 -c pass:                                     ${bare.wall.toFixed(0)} ms / ${bare.cpu.toFixed(0)} ms`,
          `  import ansible.module_utils.basic from the gate zip: ${basic.wall.toFixed(0)} ms / ${basic.cpu.toFixed(0)} ms`,
          `  the whole lineinfile module:                         ${whole.wall.toFixed(0)} ms / ${whole.cpu.toFixed(0)} ms`,
        ].join('\n'),
      );
    }
  }
  say(`profiles written to ${dir} (open them in Chrome DevTools or speedscope)`);
  return out;
}
