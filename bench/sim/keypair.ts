/**
 * An ed25519 key pair from ssh2's generator that ssh2 (and OpenSSH) can read back.
 *
 * ssh2 1.17's generateKeyPairSync('ed25519') strips leading zero bytes from the public key,
 * so about one pair in 256 is malformed (mscdex/ssh2#1390, #1513): parseKey rejects it and
 * ssh-keygen says "error in libcrypto". A test or a simulated fleet that used such a pair
 * would fail at random; keys users make with ssh-keygen are not affected.
 */
import ssh2 from 'ssh2';

export interface KeyPair {
  private: string;
  public: string;
}

export function ed25519KeyPair(): KeyPair {
  for (let attempt = 0; attempt < 32; attempt++) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519');
    if (!(ssh2.utils.parseKey(pair.private) instanceof Error) && !(ssh2.utils.parseKey(pair.public) instanceof Error)) return pair;
  }
  throw new Error('ssh2 made 32 unreadable ed25519 key pairs in a row');
}
