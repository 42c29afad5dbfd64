import { UsageError } from '../base/errors.js';

/**
 * Module args from the command line: `k=v` words (values stay strings, as Ansible's
 * ad-hoc parser leaves them; the module's own types convert them), plus an optional
 * JSON object from --args that the k=v words override.
 */
export function parseKvArgs(words: readonly string[], json: string | undefined): Record<string, unknown> {
  let base: Record<string, unknown> = {};
  if (json !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch (e) {
      throw new UsageError('FTL_USAGE', `--args is not valid JSON: ${(e as Error).message}`, { hint: `e.g. --args '{"name": "nginx"}'` });
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new UsageError('FTL_USAGE', '--args must be a JSON object', { hint: `e.g. --args '{"name": "nginx"}'` });
    }
    base = parsed as Record<string, unknown>;
  }
  const out: Record<string, unknown> = { ...base };
  const free: string[] = [];
  for (const w of words) {
    const eq = w.indexOf('=');
    if (eq <= 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(w.slice(0, eq))) {
      free.push(w);
      continue;
    }
    out[w.slice(0, eq)] = w.slice(eq + 1);
  }
  if (free.length > 0) {
    // Free-form words, as `command uptime` in Ansible's ad-hoc mode.
    out._raw_params = free.join(' ');
  }
  return out;
}
