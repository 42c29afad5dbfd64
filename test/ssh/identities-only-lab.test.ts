// @tier full: real sshd, Ansible or tmux (see scripts/run-tests.mjs)
/**
 * IdentitiesOnly with ssh-agent, against a real sshd and a real ssh-agent, next to what
 * OpenSSH's own ssh does with the same files: a passphrase-protected key loaded into the
 * agent logs in; the agent's other keys are never offered.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { stringify } from 'yaml';
import { labPaths } from '../../src/lab/files.js';
import { ftl, jsonLines } from '../helpers/ftl.js';
import { withLab } from '../helpers/lab.js';
import { Terminal } from '../helpers/tmux.js';

function keygen(file: string, passphrase: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', file, '-f', file]);
}

describe('IdentitiesOnly with ssh-agent: as ssh does', { timeout: 240_000 }, () => {
  test('the agent signs for an identity file it holds (a passphrase on the file); its other keys are never offered', { timeout: 180_000 }, async () => {
    await withLab(1, async (lab) => {
      const p = labPaths(lab.dir);
      const dir = join(lab.dir, 'keys');
      mkdirSync(dir, { mode: 0o700 });
      // enc: authorized, passphrase-protected, in the agent. other: authorized, only in the agent. decoy: not authorized.
      const enc = join(dir, 'enc');
      const other = join(dir, 'other');
      const decoy = join(dir, 'decoy');
      keygen(enc, 'correct horse');
      keygen(other, '');
      keygen(decoy, '');
      appendFileSync(p.authorizedKeys, readFileSync(`${enc}.pub`, 'utf8') + readFileSync(`${other}.pub`, 'utf8'));
      // ssh finds an encrypted key's public half in its header when there is no .pub: so must ftl.
      execFileSync('mv', [`${enc}.pub`, `${enc}.pub.away`]);

      const sock = join(dir, 'agent.sock');
      const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
      try {
        await Terminal.until('ssh-agent listens', () => existsSync(sock), 15_000);
        const askpass = join(dir, 'askpass');
        writeFileSync(askpass, "#!/bin/sh\necho 'correct horse'\n");
        chmodSync(askpass, 0o700);
        const agentEnv = { ...process.env, SSH_AUTH_SOCK: sock, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0' };
        execFileSync('ssh-add', ['-q', enc, other], { env: agentEnv, stdio: ['ignore', 'ignore', 'pipe'] });

        const h = lab.host('lab01');
        const common = `-o UserKnownHostsFile=${p.knownHosts} -o StrictHostKeyChecking=yes`;
        const entry = (key: string, only: boolean): Record<string, unknown> => ({
          ansible_host: h.address,
          ansible_port: h.port,
          ansible_ssh_private_key_file: key,
          ansible_ssh_common_args: `${common}${only ? ' -o IdentitiesOnly=yes' : ''}`,
        });
        const inv = join(lab.dir, 'identities-only.yml');
        const hosts = { enc_only: entry(enc, true), decoy_only: entry(decoy, true), decoy_agent: entry(decoy, false) };
        writeFileSync(inv, stringify({ all: { hosts, vars: { ansible_user: lab.user, ansible_python_interpreter: '/usr/bin/python3' } } }));

        // What OpenSSH itself does with each entry (BatchMode: no passphrase can be asked).
        const sshSays = (key: string, only: boolean): number | null =>
          spawnSync('ssh', ['-F', '/dev/null', '-o', 'BatchMode=yes', ...common.split(' '), ...(only ? ['-o', 'IdentitiesOnly=yes'] : []), '-i', key, '-p', String(h.port), `${lab.user}@${h.address}`, 'true'], { env: agentEnv, stdio: 'ignore', timeout: 60_000 }).status;
        assert.deepEqual([sshSays(enc, true), sshSays(decoy, true), sshSays(decoy, false)], [0, 255, 0], 'ssh: enc logs in through the agent; decoy alone is refused; decoy plus the agent logs in');

        const r = await ftl(['run', '-i', inv, 'all', 'ping', '--json', '-T', '60'], { env: { SSH_AUTH_SOCK: sock, HOME: join(lab.dir, 'home') }, timeoutMs: 150_000 });
        const byHost = new Map(jsonLines(r.stdout).map((l) => [l.host, l]));
        const said = r.stdout + r.stderr;
        assert.equal(byHost.get('enc_only')?.status, 'ok', `the agent's copy of the encrypted identity file logs in\n${said}`);
        assert.equal(byHost.get('decoy_agent')?.status, 'ok', `without IdentitiesOnly the agent's keys are offered\n${said}`);
        assert.equal(byHost.get('decoy_only')?.status, 'unreachable', `IdentitiesOnly: the agent's keys for other files are not offered\n${said}`);
        const refused = JSON.stringify(byHost.get('decoy_only')?.result);
        assert.match(refused, /login was refused \(tried key [^)]*decoy\)/);
        assert.doesNotMatch(refused, /tried [^;]*ssh-agent/, 'the agent is not said to be tried: it had nothing for this entry');
      } finally {
        agent.kill();
      }
    });
  });
});
