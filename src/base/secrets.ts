/**
 * Secret values by value, as Ansible's remove_values masks no_log values: wherever a known
 * secret appears in what ftl shows or records (args, results, JSON), it is replaced, also
 * inside longer text (a password repeated in a comment, a command line). A key-name rule
 * alone misses a secret that travels under another name.
 */
export const MASK = '********';

/** Masks every occurrence of the given secrets in a JSON-like value (a new value; the input is not changed). */
export function maskValues<T>(value: T, secrets: Iterable<string>): T {
  const list = [...new Set(secrets)].filter((s) => s !== '').sort((a, b) => b.length - a.length);
  if (list.length === 0) return value;
  const seen = new WeakMap<object, unknown>();
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      let out = v;
      for (const s of list) if (out.includes(s)) out = out.split(s).join(MASK);
      return out;
    }
    if (v === null || typeof v !== 'object') return v;
    const known = seen.get(v);
    if (known !== undefined) return known;
    if (Array.isArray(v)) {
      const arr: unknown[] = [];
      seen.set(v, arr);
      for (const x of v) arr.push(walk(x));
      return arr;
    }
    // Dates, buffers and class instances other than plain objects are left as they are.
    const proto = Object.getPrototypeOf(v) as unknown;
    if (proto !== Object.prototype && proto !== null) return v;
    const obj: Record<string, unknown> = {};
    seen.set(v, obj);
    for (const [k, x] of Object.entries(v)) obj[k] = walk(x);
    return obj;
  };
  return walk(value) as T;
}

/** The secrets a session knows: passwords it was given or asked for, decrypted vault values, no_log values of calls. */
export class SecretValues {
  private readonly values = new Set<string>();

  /** Remembers a secret (numbers and booleans are not secrets worth hiding: Ansible skips them too). */
  add(value: unknown): void {
    if (typeof value === 'string' && value !== '') this.values.add(value);
  }

  get size(): number {
    return this.values.size;
  }

  all(): Iterable<string> {
    return this.values;
  }

  /** The value with every known secret (and any extra ones) masked. */
  mask<T>(value: T, extra: Iterable<string> = []): T {
    return maskValues(value, [...this.values, ...extra]);
  }
}
