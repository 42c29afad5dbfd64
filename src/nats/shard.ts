import { UsageError } from '../base/errors.js';

/**
 * Which hosts a worker holds. A shard K/N owns the hosts whose name hashes to K-1 modulo N:
 * a stable hash of the name alone, so every worker (and the caller) agrees on it without
 * talking, whatever order the inventory lists hosts in, and adding a host moves no other.
 */
export interface ShardSpec {
  readonly index: number; // 1-based, as typed: --shard 2/3
  readonly count: number;
}

/** FNV-1a over the name's UTF-8 bytes: 32 bits, no dependency, the same in every process. */
export function hostHash(name: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(name, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function parseShard(text: string): ShardSpec {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m === null ? NaN : Number(m[1]);
  const count = m === null ? NaN : Number(m[2]);
  if (!Number.isInteger(index) || !Number.isInteger(count) || count < 1 || index < 1 || index > count) {
    throw new UsageError('FTL_USAGE', `--shard '${text}' is not K/N with 1 <= K <= N`, { hint: 'e.g. --shard 1/3, --shard 2/3 and --shard 3/3 for three workers' });
  }
  return { index, count };
}

export function ownsHost(shard: ShardSpec, host: string): boolean {
  return hostHash(host) % shard.count === shard.index - 1;
}

export function shardHosts(shard: ShardSpec, hosts: readonly string[]): string[] {
  return hosts.filter((h) => ownsHost(shard, h));
}
