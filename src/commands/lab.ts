import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../base/errors.js';
import { labDown, labStatus, labUp } from '../lab/lab.js';

function defaultDir(): string {
  return join(homedir(), '.ftl', 'lab');
}

/** `out` is where the command prints (stdout; tests pass their own). */
export function registerLabCommand(program: Command, out: { write(text: string): unknown } = process.stdout): void {
  const lab = program.command('lab').description('a local fleet: N real OpenSSH servers on loopback addresses, for demos, teaching and tests');
  lab
    .command('up')
    .description('start N sshd hosts and write an inventory (group lab) for them')
    .argument('<count>', 'how many hosts (1-250)')
    .option('--dir <dir>', 'where the lab lives (keys, configs, inventory)', defaultDir())
    .option('--port <port>', 'the port the hosts listen on', '2222')
    .option('--password-auth', "sshd also takes system users' passwords (needs root; to try -k and the REPL's password question)")
    .action(async (countText: string, o: { dir: string; port: string; passwordAuth?: boolean }) => {
      const count = Number.parseInt(countText, 10);
      const port = Number.parseInt(o.port, 10);
      if (!Number.isInteger(count) || String(count) !== countText.trim()) throw new UsageError('FTL_USAGE', `ftl lab up: the host count must be a number, not '${countText}'`);
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError('FTL_USAGE', `ftl lab up: --port must be a port number, not '${o.port}'`);
      const up = await labUp({ count, dir: o.dir, basePort: port, passwordAuth: o.passwordAuth === true });
      const first = up.hosts[0];
      const last = up.hosts[up.hosts.length - 1];
      const where = first === undefined || last === undefined ? '' : ` (${first.address}:${String(first.port)} … ${last.address}:${String(last.port)})`;
      out.write(
        [
          `${String(up.hosts.length)} lab hosts up${where}, user ${up.user}`,
          `inventory: ${up.inventoryPath}`,
          '',
          `  ftl -i ${up.inventoryPath}                    # the REPL: ftl.lab.ping()`,
          `  ftl run -i ${up.inventoryPath} lab ping`,
          `  ansible -i ${up.inventoryPath} lab -m ping    # Ansible reaches the same hosts`,
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
      const rows = labStatus(o.dir);
      for (const h of rows) out.write(`${h.name}  ${h.address}:${String(h.port)}  ${h.running ? `running (pid ${String(h.pid)})` : 'stopped'}\n`);
      out.write(`${String(rows.filter((h) => h.running).length)}/${String(rows.length)} running · inventory ${o.dir}/inventory.yml\n`);
    });
}
