import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../base/errors.js';
import { parseLabGroups } from '../lab/files.js';
import { labDown, labOpen, labUp } from '../lab/lab.js';

function defaultDir(): string {
  return join(homedir(), '.ftl', 'lab');
}

/** `out` is where the command prints (stdout; tests pass their own). */
const UP_HELP = `
Each host is a real sshd with its own hostname, /tmp, home and /etc view (mount and UTS
namespaces, via unshare: plain ones as root, an unprivileged user namespace otherwise), so a
change on one host is not seen on the others and facts such as ansible_hostname differ.
Where the machine allows no namespaces, the hosts share its files and name, with a warning.
Networking, processes and the rest of the filesystem are the controller's.

Examples:
  ftl lab up 3                     # lab01..lab03 in group lab
  ftl lab up --groups web:3,db:2   # web01..web03 in group web, db01..db02 in group db
  ftl lab up 5 --shared            # as one machine: one hostname, one filesystem
`;

/** `out` is where the command prints (stdout; tests pass their own), warnings go to `err`. */
export function registerLabCommand(program: Command, out: { write(text: string): unknown } = process.stdout, err: { write(text: string): unknown } = process.stderr): void {
  const lab = program
    .command('lab')
    .description('a local fleet: real OpenSSH servers on loopback addresses, each with its own hostname and files, for demos, teaching and tests')
    .addHelpText('after', '\nftl lab up 3, or ftl lab up --groups web:2,db:1; then ftl -i ~/.ftl/lab/inventory.yml. ftl lab up --help tells how the hosts are kept apart.\n');
  lab
    .command('up')
    .description('start N sshd hosts, each with its own hostname, /tmp, home and /etc, and write an inventory for them')
    .argument('[count]', 'how many hosts (1-250), in group lab')
    .option('--groups <groups>', 'hosts by group instead of a count: web:3,db:2 makes web01..web03 and db01..db02')
    .option('--shared', 'no namespaces: the hosts share this machine\'s hostname and files')
    .option('--dir <dir>', 'where the lab lives (keys, configs, inventory)', defaultDir())
    .option('--port <port>', 'the port the hosts listen on', '2222')
    .option('--password-auth', "sshd also takes system users' passwords (needs root; to try -k and the REPL's password question)")
    .addHelpText('after', UP_HELP)
    .action(async (countText: string | undefined, o: { dir: string; port: string; passwordAuth?: boolean; groups?: string; shared?: boolean }) => {
      const groups = o.groups === undefined ? undefined : parseLabGroups(o.groups);
      if (countText !== undefined && groups !== undefined) throw new UsageError('FTL_USAGE', 'ftl lab up: give a host count or --groups, not both');
      if (countText === undefined && groups === undefined) throw new UsageError('FTL_USAGE', 'ftl lab up: how many hosts? give a count (ftl lab up 3) or --groups web:2,db:1');
      const count = countText === undefined ? undefined : Number.parseInt(countText, 10);
      const port = Number.parseInt(o.port, 10);
      if (countText !== undefined && (!Number.isInteger(count) || String(count) !== countText.trim())) throw new UsageError('FTL_USAGE', `ftl lab up: the host count must be a number, not '${countText}'`);
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError('FTL_USAGE', `ftl lab up: --port must be a port number, not '${o.port}'`);
      // Ctrl-C while the hosts start: stop those already up rather than leave them behind.
      const abort = new AbortController();
      const onInt = (): void => {
        abort.abort();
      };
      process.once('SIGINT', onInt);
      const started = Date.now();
      const up = await labUp({
        dir: o.dir,
        basePort: port,
        passwordAuth: o.passwordAuth === true,
        isolated: o.shared !== true,
        signal: abort.signal,
        ...(count === undefined ? {} : { count }),
        ...(groups === undefined ? {} : { groups }),
      }).finally(() => process.removeListener('SIGINT', onInt));
      if (up.warning !== undefined) err.write(`warning: ${up.warning}\n`);
      const first = up.hosts[0];
      const last = up.hosts[up.hosts.length - 1];
      const where = first === undefined || last === undefined ? '' : ` (${first.address}:${String(first.port)} … ${last.address}:${String(last.port)})`;
      const kind = up.spec.isolation === undefined ? 'sharing this machine\'s files' : 'each with its own hostname, /tmp, home and /etc';
      const names = [...new Set(up.hosts.map((h) => h.group ?? 'lab'))];
      const target = names.length === 1 ? (names[0] ?? 'lab') : 'all';
      const groupLine = names.length === 1 ? `group ${target}` : `groups ${names.map((g) => `${g} (${String(up.hosts.filter((h) => (h.group ?? 'lab') === g).length)})`).join(', ')}`;
      out.write(
        [
          `${String(up.hosts.length)} lab hosts up in ${((Date.now() - started) / 1000).toFixed(1)} s${where}, user ${up.user}, ${kind}`,
          `inventory: ${up.inventoryPath} (${groupLine})`,
          '',
          `  ftl -i ${up.inventoryPath}                    # the REPL: ftl.${target}.ping()`,
          `  ftl run -i ${up.inventoryPath} ${target} ping`,
          `  ansible -i ${up.inventoryPath} ${target} -m ping    # Ansible reaches the same hosts`,
          `  ftl lab down --dir ${up.dir}`,
          '',
        ].join('\n'),
      );
    });
  lab
    .command('down')
    .description('stop the lab hosts and remove the lab directory')
    .option('--dir <dir>', 'the lab directory', defaultDir())
    .action(async (o: { dir: string }) => {
      await labDown(o.dir);
      out.write(`lab in ${o.dir} stopped and removed\n`);
    });
  lab
    .command('status')
    .description('which lab hosts are running')
    .option('--dir <dir>', 'the lab directory', defaultDir())
    .action((o: { dir: string }) => {
      const opened = labOpen(o.dir);
      const rows = opened.status();
      const groupOf = new Map(opened.hosts.map((h) => [h.name, h.group ?? 'lab']));
      for (const h of rows) out.write(`${h.name}  ${h.address}:${String(h.port)}  ${groupOf.get(h.name) ?? 'lab'}  ${h.running ? `running (pid ${String(h.pid)})` : 'stopped'}\n`);
      const mode = opened.spec.isolation === undefined ? 'shared files' : `own hostname, /tmp, home, /etc (${opened.spec.isolation === 'root' ? 'namespaces' : 'user namespaces'})`;
      out.write(`${String(rows.filter((h) => h.running).length)}/${String(rows.length)} running · ${mode} · inventory ${o.dir}/inventory.yml\n`);
    });
}
