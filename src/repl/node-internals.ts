/**
 * The one place ftl reaches into node:repl beyond its public API. node:repl exposes no
 * public way to wrap its eval (auto-await with our own Ctrl-C), to see the errors its
 * domain catches, to chain a completer, to edit the in-memory history or to set `_`.
 * These fields have been stable since Node 12; NODE_RANGE says which majors were checked
 * (test/repl/node-internals.test.ts fails on a Node where one of them is gone).
 */
import type { EventEmitter } from 'node:events';
import type { REPLServer } from 'node:repl';

/** Node majors these internals were checked on. */
export const NODE_RANGE = { min: 20, max: 24 } as const;

export type EvalCallback = (err: Error | null, result?: unknown) => void;
export type EvalFn = (code: string, context: object, file: string, cb: EvalCallback) => void;
export type CompleterCallback = (err: Error | null, r?: [string[], string]) => void;
export type CompleterFn = (line: string, cb: CompleterCallback) => void;

interface Internals {
  eval: EvalFn;
  completer: CompleterFn;
  history: string[];
  last: unknown;
  _domain?: EventEmitter;
}

function internals(server: REPLServer): Internals {
  return server as unknown as Internals;
}

/** Whether this Node is one whose node:repl internals ftl was checked on. */
export function nodeSupported(version = process.versions.node): boolean {
  const major = Number.parseInt(version.split('.')[0] ?? '', 10);
  return major >= NODE_RANGE.min && major <= NODE_RANGE.max;
}

export function replEval(server: REPLServer): EvalFn {
  return internals(server).eval;
}

export function setReplEval(server: REPLServer, fn: EvalFn): void {
  internals(server).eval = fn;
}

export function replCompleter(server: REPLServer): CompleterFn {
  return internals(server).completer.bind(server);
}

export function setReplCompleter(server: REPLServer, fn: CompleterFn): void {
  internals(server).completer = fn;
}

/** The domain node:repl runs evaluations in: errors thrown asynchronously by a line land here. */
export function replDomain(server: REPLServer): EventEmitter | undefined {
  return internals(server)._domain;
}

/** The line editor's history, newest first (readline's own array: edits show on the up arrow). */
export function replHistory(server: REPLServer): string[] {
  return internals(server).history;
}

/** What `_` holds next (node:repl sets it only for lines it evaluates itself). */
export function setReplLast(server: REPLServer, value: unknown): void {
  internals(server).last = value;
}

export type TtyWrite = (data: string | undefined, key: { ctrl?: boolean; name?: string; sequence?: string } | undefined) => void;

/** The line editor's key handler (node:repl wraps readline's the same way for its own pause). */
export function replTtyWrite(server: REPLServer): TtyWrite | undefined {
  const fn = (server as unknown as { _ttyWrite?: TtyWrite })._ttyWrite;
  return fn?.bind(server);
}

export function setReplTtyWrite(server: REPLServer, fn: TtyWrite): void {
  (server as unknown as { _ttyWrite: TtyWrite })._ttyWrite = fn;
}
