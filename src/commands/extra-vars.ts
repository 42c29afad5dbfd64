import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { FtlError, UsageError } from '../base/errors.js';
import { readYaml } from '../inventory/sources.js';
import { isVaultText, withLayers, type ExtraVarsLayer } from '../inventory/vault.js';
import { parseKv } from './kv.js';

function isMapping(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** An encrypted file's text (decrypted with the inventory, see inventory/vault.ts), else its data. */
function fromFile(spec: string, cwd: string): { encrypted: ExtraVarsLayer } | { data: unknown } {
  const name = spec.slice(1);
  if (name === '') throw new UsageError('FTL_USAGE', '-e @ needs a file name', { hint: 'e.g. -e @vars.yml' });
  const path = resolvePath(cwd, name);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new UsageError('FTL_USAGE', `-e ${spec}: ${why}`, { hint: 'give the path of a YAML or JSON file of variables after @' });
  }
  if (isVaultText(text)) return { encrypted: { file: path, vaulttext: text } };
  try {
    return { data: readYaml(text, name) };
  } catch (e) {
    // readYaml names the file and line; say which option it came from.
    throw e instanceof FtlError ? new UsageError('FTL_USAGE', `-e ${spec}: ${e.message.replace(`YAML error in ${name}`, 'YAML error at')}`, { hint: e.hint }) : e;
  }
}

/**
 * -e values as ansible's load_extra_vars reads them: `@file` (YAML or JSON), a YAML or
 * JSON object written inline, or key=value words (values stay strings). Each must give
 * a mapping; later ones win key by key.
 */
export function parseExtraVars(values: readonly string[] | undefined, cwd = process.cwd()): Record<string, unknown> | undefined {
  if (values === undefined || values.length === 0) return undefined;
  let out: Record<string, unknown> = {};
  const layers: ExtraVarsLayer[] = [];
  let encrypted = false;
  for (const v of values) {
    if (v === '') continue;
    let data: unknown;
    if (v.startsWith('@')) {
      const got = fromFile(v, cwd);
      if ('encrypted' in got) {
        layers.push(got.encrypted);
        encrypted = true;
        continue;
      }
      data = got.data;
    } else if (v.startsWith('/') || v.startsWith('.')) {
      throw new UsageError('FTL_USAGE', `-e ${v}: a file of variables is written with @ in front`, { hint: `-e @${v}` });
    } else if (v.startsWith('{') || v.startsWith('[')) {
      try {
        data = readYaml(v, '-e');
      } catch (e) {
        throw e instanceof FtlError ? new UsageError('FTL_USAGE', `-e '${v}' is not valid YAML or JSON: ${e.message.replace(/^YAML error in -e( line \d+)?: /, '')}`, { hint: `e.g. -e '{"port": 8080}' or -e port=8080` }) : e;
      }
    } else {
      const words = parseKv(v, false);
      if ('_raw_params' in words) {
        throw new UsageError('FTL_USAGE', `-e takes key=value words or a JSON object (YAML too, or @file), not '${String(words._raw_params)}'`, { hint: '-e port=8080, -e \'{"port": 8080}\' or -e @vars.yml' });
      }
      data = words;
    }
    if (!isMapping(data)) {
      throw new UsageError('FTL_USAGE', `-e ${v} does not give a mapping of variables`, { hint: '-e port=8080, -e \'{"port": 8080}\' or -e @vars.yml' });
    }
    out = { ...out, ...data };
    layers.push({ vars: data });
  }
  return encrypted ? withLayers(out, layers) : out;
}
