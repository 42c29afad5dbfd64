import type { Readable, Writable } from 'node:stream';
import type { FtlError } from '../base/errors.js';

/**
 * How a GateClient reaches a running gate process: a local child process or an
 * SSH exec channel. The client only sees bytes in and out, and one exit.
 */
export interface GateTransport {
  readonly stdin: Writable;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** Resolves once when the gate process (or channel) has ended. */
  readonly exited: Promise<GateExit>;
  /** Ends the process at once (SIGKILL locally, channel close remotely). */
  kill(): void;
  /** A short label for messages, e.g. "local python3" or "ssh web01". */
  readonly label: string;
  /** Why the gate never started, when the transport knows better than the client (sudo refused). */
  failure?(): FtlError | undefined;
}

export interface GateExit {
  code: number | null;
  signal: string | null;
}

/**
 * How long a gate may take to start, and when to give up on it: each step that runs on
 * the host (the start or probe script, an upload) is bounded by timeoutMs from when it
 * begins, the wait for Hello by helloTimeoutMs, and all end early when the signal fires.
 * A step that gives up kills what it started (on the host, its whole process group).
 */
export interface StartLimits {
  /** Read when a step begins: callers sharing one opening may raise it meanwhile. */
  readonly timeoutMs: number;
  /** The wait for Hello (default: timeoutMs). */
  readonly helloTimeoutMs?: number | undefined;
  readonly signal?: AbortSignal | undefined;
}
