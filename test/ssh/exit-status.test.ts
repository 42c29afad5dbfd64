/**
 * A remote command's exit status, however early it comes. A command that ends at once can
 * have its exit-status parsed in the same read as the reply to exec, before the code that
 * awaited exec() has added listeners (on a loaded machine a raw `exit 5` came back rc -1).
 * An in-process ssh2 server answers exec with the output, the status, EOF and close at once;
 * the client looks only once all of it has been read.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import ssh2 from 'ssh2';
import type { ClientChannel, Connection } from 'ssh2';
import { ed25519KeyPair } from '../../bench/sim/keypair.js';
import { collect } from '../../src/ssh/exec.js';

/** Long enough for the server's whole answer to have been read and parsed. */
const later = (): Promise<void> => new Promise((r) => setTimeout(r, 200));

describe('exit status of a command that ends before anyone listens', () => {
  let srv: ssh2.Server;
  let client: ssh2.Client;
  before(async () => {
    srv = new ssh2.Server({ hostKeys: [ed25519KeyPair().private] }, (c: Connection) => {
      c.on('authentication', (ctx) => {
        ctx.accept();
      });
      c.on('error', () => undefined);
      c.on('session', (accept) => {
        const session = accept();
        session.on('exec', (acceptExec, _reject, info) => {
          const stream = acceptExec();
          // All at once, as a command that is over before the client reads.
          stream.write(`${info.command}\n`);
          if (info.command === 'killed') stream.exit('KILL', false, '');
          else stream.exit(Number(info.command.replace('exit ', '')));
          stream.end();
        });
      });
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    client = new ssh2.Client();
    await new Promise<void>((resolve, reject) => {
      client.once('ready', resolve).once('error', reject);
      client.connect({ host: '127.0.0.1', port: (srv.address() as AddressInfo).port, username: 'u', hostVerifier: () => true });
    });
  });
  after(async () => {
    client.end();
    await new Promise<void>((r) => srv.close(() => { r(); }));
  });

  const exec = (command: string): Promise<ClientChannel> =>
    new Promise((resolve, reject) => {
      client.exec(command, (err, ch) => {
        if (err !== undefined) reject(err);
        else resolve(ch);
      });
    });

  it('the code and the output, read after the channel has closed on the server', async () => {
    for (const code of [5, 0, 127]) {
      const ch = await exec(`exit ${String(code)}`);
      await later();
      const r = await collect(ch);
      assert.deepEqual([r.code, r.signal, r.stdout], [code, undefined, `exit ${String(code)}\n`]);
    }
  });

  it('a command ended by a signal: no code, the signal', async () => {
    const ch = await exec('killed');
    await later();
    const r = await collect(ch);
    assert.deepEqual([r.code, r.signal], [null, 'SIGKILL']);
  });
});
