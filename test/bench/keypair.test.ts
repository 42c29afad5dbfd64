/**
 * ssh2's ed25519 generator makes about one unreadable pair in 256 (mscdex/ssh2#1390); tests
 * and the simulated fleet take their keys from ed25519KeyPair so they never fail at random.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import ssh2 from 'ssh2';
import { ed25519KeyPair } from '../../bench/sim/keypair.js';

test('ed25519KeyPair: every pair reads back in ssh2, as one key (2,000 pairs: ssh2 alone fails ~8 of them)', () => {
  for (let i = 0; i < 2000; i++) {
    const pair = ed25519KeyPair();
    const priv = ssh2.utils.parseKey(pair.private);
    const pub = ssh2.utils.parseKey(pair.public);
    assert.ok(!(priv instanceof Error) && !(pub instanceof Error), `pair ${String(i)} reads back`);
    assert.deepEqual(priv.getPublicSSH(), pub.getPublicSSH(), `pair ${String(i)}: the private key's public half is the public key`);
  }
});
