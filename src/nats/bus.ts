import type { NatsConnection } from 'nats';
import { FtlError } from '../base/errors.js';
import { decode, encode, type Message } from './codec.js';

/** The little of a NATS connection ftl uses: publish and subscribe our messages, flush, close. */
export interface Bus {
  readonly url: string;
  publish(subject: string, m: Message): void;
  /** Messages that are not ours (decode refuses them) are dropped here. Returns the unsubscribe. */
  subscribe(subject: string, on: (m: Message) => void): () => void;
  flush(): Promise<void>;
  close(): Promise<void>;
  /** Resolves when the connection is closed for good (the server went away past reconnecting). */
  closed(): Promise<void>;
}

/** Connects to the NATS server; the client is loaded only here, so sessions without --nats never load it. */
export async function connectBus(url: string, name: string): Promise<Bus> {
  const { connect } = await import('nats');
  let nc: NatsConnection;
  try {
    // Reconnect for ever in the background: a server restart is a pause, not the end of a worker.
    nc = await connect({ servers: url, name, maxReconnectAttempts: -1, reconnectTimeWait: 500, timeout: 5000 });
  } catch (e) {
    throw new FtlError('FTL_NATS', `cannot reach the NATS server at ${url}: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
      hint: 'start nats-server there (apt-get install nats-server; nats-server -p 4222), or fix the --nats URL',
    });
  }
  return {
    url,
    publish(subject, m) {
      nc.publish(subject, encode(m));
    },
    subscribe(subject, on) {
      const sub = nc.subscribe(subject, {
        callback: (err, msg) => {
          if (err !== null) return;
          const m = decode(msg.data);
          if (m !== undefined) on(m);
        },
      });
      return () => {
        sub.unsubscribe();
      };
    },
    flush: () => nc.flush(),
    async close() {
      if (nc.isClosed()) return;
      // Drain: what was published reaches the server before the socket closes.
      await nc.drain().catch(() => nc.close());
    },
    async closed() {
      await nc.closed();
    },
  };
}
