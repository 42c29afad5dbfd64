#!/usr/bin/env node
// Checks the package as a user gets it: packs the tarball, then
//   install: installs it globally into a temporary prefix with a fresh HOME and runs
//            `ftl --version`, a piped `ftl.local.ping()` and `ftl run localhost command cmd=true`;
//   types:   installs it into a small consumer project and typechecks a file written in the
//            README's call style under `strict` (no casts), with the library's declarations
//            checked too (skipLibCheck off); a file with a type error must fail.
// Usage: node scripts/check-package.mjs [install] [types]   (both by default)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(new URL('..', import.meta.url).pathname);
const wanted = process.argv.slice(2);
const steps = wanted.length === 0 ? ['install', 'types'] : wanted;
const work = mkdtempSync(join(tmpdir(), 'ftl-package-'));
// npm's cache stays the user's: a fresh HOME must not mean downloading every dependency again.
const cache = execFileSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).trim();
const npmFlags = ['--cache', cache, '--prefer-offline', '--no-audit', '--no-fund', '--omit=optional', '--loglevel=error'];

function step(name, fn) {
  const t0 = Date.now();
  fn();
  console.log(`check-package: ${name} ok (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 300_000, ...opts });
  if (r.status !== 0 && opts.allowFail !== true) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${String(r.status)}${r.error ? ` (${r.error.message})` : ''}\n${r.stdout}\n${r.stderr}`);
  }
  return r;
}

let failed = false;
try {
  let tarball;
  step('pack', () => {
    // Packed as built: npm pack's prepare would rebuild dist/ under the feet of tests that run it.
    if (!existsSync(join(root, 'dist', 'cli.js'))) sh('npm', ['run', 'build'], { cwd: root });
    sh('npm', ['pack', '--ignore-scripts', '--pack-destination', work, '--loglevel=error'], { cwd: root });
    tarball = join(work, readdirSync(work).find((f) => f.endsWith('.tgz')));
  });

  if (steps.includes('install')) {
    const home = join(work, 'home');
    const prefix = join(work, 'prefix');
    mkdirSync(home);
    const env = { ...process.env, HOME: home, NO_COLOR: '1' };
    delete env.npm_config_prefix;
    step('global install with a fresh HOME', () => {
      sh('npm', ['install', '-g', '--prefix', prefix, tarball, ...npmFlags], { env });
    });
    const ftl = join(prefix, 'bin', 'ftl');
    const cwd = home;
    step('ftl --version', () => {
      const r = sh(ftl, ['--version'], { env, cwd });
      if (!/^\d+\.\d+\.\d+/.test(r.stdout.trim())) throw new Error(`ftl --version printed '${r.stdout.trim()}'`);
    });
    step('piped ftl.local.ping()', () => {
      const r = sh(ftl, [], { env, cwd, input: 'ftl.local.ping()\n' });
      if (!r.stdout.includes('pong')) throw new Error(`the piped ping did not answer pong:\n${r.stdout}\n${r.stderr}`);
    });
    step('ftl run localhost command cmd=true', () => {
      const r = sh(ftl, ['run', 'localhost', 'command', 'cmd=true'], { env, cwd });
      if (!/changed|ok/.test(r.stdout)) throw new Error(`ftl run printed no result:\n${r.stdout}\n${r.stderr}`);
    });
  }

  if (steps.includes('types')) {
    const consumer = join(work, 'consumer');
    mkdirSync(consumer);
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    step('install into a consumer project', () => {
      sh('npm', ['install', tarball, ...npmFlags], { cwd: consumer });
    });
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          // Global types from @types/node only; module types must come from the package itself.
          typeRoots: [join(root, 'node_modules', '@types')],
          types: ['node'],
        },
        files: ['script.ts'],
      }),
    );
    writeFileSync(
      join(consumer, 'script.ts'),
      `import { automation, FtlError, type Ftl, type RunResult, type HostStatus } from 'ftl';

const ftl: Ftl = await automation({ inventory: 'inventory.yml', check: true });
try {
  const r: RunResult = await ftl.web.command({ cmd: 'uptime' });
  const failed: string[] = r.failed;
  const first: HostStatus | undefined = r.hosts[0]?.status;
  const out: unknown = r.host('web01')?.stdout;
  await ftl['web:&prod'].ping();
  await ftl.web.community.general.ini_file({ path: '/etc/app.ini', section: 'main', option: 'x', value: '1' });
  await ftl[r.failed.join(',')].ping({}, { timeout: 30, check: true });
  await ftl.here.stat({ path: '/etc' });
  await ftl.run('web', 'dnf', { name: 'nginx' }, { become: true });
  const hosts: string[] = ftl.web.hosts;
  console.log(failed.length, first, out, hosts.length, r.changed.length, r.ok, r.success, r.durationMs, ftl.hosts, ftl.last?.module);
} catch (e) {
  if (e instanceof FtlError) console.error(e.code, e.oneLine());
} finally {
  await ftl.close();
}
`,
    );
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    step('typecheck the README call style (strict, no casts)', () => {
      sh(process.execPath, [tsc, '-p', consumer]);
    });
    step('a type error in a consumer is caught', () => {
      writeFileSync(join(consumer, 'script.ts'), `import { automation } from 'ftl';\nconst ftl = await automation();\nconst n: number = await ftl.web.ping();\nconsole.log(n);\n`);
      const r = sh(process.execPath, [tsc, '-p', consumer], { allowFail: true });
      if (r.status === 0 || !r.stdout.includes('RunResult')) throw new Error(`assigning a RunResult to a number typechecked:\n${r.stdout}`);
    });
  }
} catch (e) {
  failed = true;
  console.error(`check-package: ${e instanceof Error ? e.message : String(e)}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
