import { inspect } from 'node:util';
import { mapDeep } from './map-deep.js';
import { MASK } from './secrets.js';

/**
 * A named secret as scripts and the REPL hold it (`ftl.secrets.AWS_SECRET_KEY`): every way
 * of showing it (inspect, String(), template literals, JSON) gives the mask, so that
 * echoing it by mistake shows nothing; a module call given it gets the real value. The
 * value is in a private field, out of reach of Object.keys, spreading and inspection.
 */
export class Secret {
  readonly #value: string;

  constructor(
    /** The name it was asked for by (an environment variable, or a Vault secret's name). */
    readonly name: string,
    value: string,
  ) {
    this.#value = value;
    Object.freeze(this);
  }

  /** Whether v is a Secret (of this module, whatever realm the code holding it runs in). */
  static is(v: unknown): v is Secret {
    return typeof v === 'object' && v !== null && #value in v;
  }

  /**
   * The value itself, for building a longer string (`\`Bearer ${s.reveal()}\``): it stays
   * masked in results and errors all the same, since the session knows it by value.
   */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return MASK;
  }

  toJSON(): string {
    return MASK;
  }

  valueOf(): string {
    return MASK;
  }

  [Symbol.toPrimitive](): string {
    return MASK;
  }

  get [Symbol.toStringTag](): string {
    return 'Secret';
  }

  [inspect.custom](): string {
    return MASK;
  }
}

/**
 * The args with every Secret replaced by its value (a new value where one was found; the
 * caller's object is not changed). Objects typed in the REPL come from another realm:
 * plain objects are recognised by their tag, not their prototype.
 */
export function revealSecrets<T>(value: T): T {
  return mapDeep(value, (v) => (Secret.is(v) ? v.reveal() : v), (v) => Object.prototype.toString.call(v) === '[object Object]');
}
