/**
 * HashiCorp Vault's KV version 2 engine, read as FTL2 reads it (VAULT_ADDR, VAULT_TOKEN,
 * secrets named by `path#field`, the path under the KV mount, "secret" by default), with
 * plain HTTP(S) requests: GET /v1/<mount>/data/<path> with the X-Vault-Token header.
 * Each path is read once however many fields are taken from it. The token never appears
 * in an error; a value read is registered as a secret by the caller.
 */
import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { SecretError } from '../base/errors.js';

export interface VaultOptions {
  /** VAULT_ADDR, e.g. https://vault.example.com:8200 */
  addr?: string | undefined;
  /** VAULT_TOKEN */
  token?: string | undefined;
  /** The KV v2 mount the paths are under (default "secret", as the Vault CLI and hvac). */
  mount?: string | undefined;
  /** VAULT_NAMESPACE (Vault Enterprise). */
  namespace?: string | undefined;
  /** VAULT_CACERT: a PEM file of the CA that signed the server's certificate. */
  caCert?: string | undefined;
  timeoutMs?: number;
}

/** A `path#field` reference split at its last '#'. */
export function parseVaultRef(name: string, ref: string): { path: string; field: string } {
  const at = ref.lastIndexOf('#');
  const path = at < 0 ? '' : ref.slice(0, at).replace(/^\/+|\/+$/g, '');
  const field = at < 0 ? '' : ref.slice(at + 1);
  if (path === '' || field === '') {
    throw new SecretError('FTL_SECRET', `secret '${name}': the Vault reference '${ref}' is not path#field`, { hint: "e.g. 'myapp/db#password' (the path under the KV mount, then the field)" });
  }
  return { path, field };
}

export function vaultOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): VaultOptions {
  return { addr: env.VAULT_ADDR, token: env.VAULT_TOKEN, namespace: env.VAULT_NAMESPACE, caCert: env.VAULT_CACERT };
}

interface HttpReply {
  status: number;
  body: string;
}

function get(url: URL, headers: Record<string, string>, ca: string | undefined, timeoutMs: number): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, { method: 'GET', headers, timeout: timeoutMs, ...(ca === undefined ? {} : { ca }) }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (b: Buffer) => chunks.push(b));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => {
      req.destroy(new Error(`no answer in ${Math.round(timeoutMs / 1000)} s`));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Vault's own words for a failure ({"errors": [...]}), when it gave some. */
function vaultErrors(body: string): string {
  try {
    const parsed = JSON.parse(body) as { errors?: unknown };
    if (Array.isArray(parsed.errors) && parsed.errors.length > 0) return `: ${parsed.errors.map(String).join('; ')}`;
  } catch {
    // not JSON: the status says enough
  }
  return '';
}

interface KvBody {
  data?: { data?: unknown; metadata?: { deletion_time?: unknown; destroyed?: unknown } | null };
}

function parseBody(text: string): KvBody | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'object' && v !== null ? (v) : undefined;
  } catch {
    return undefined;
  }
}

/** A field's value as a string: Vault stores JSON, and a module arg is text. */
function asText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Reads every `name → path#field` reference; the values by name. */
export async function readVaultSecrets(refs: Readonly<Record<string, string>>, opts: VaultOptions = vaultOptionsFromEnv()): Promise<Record<string, string>> {
  const names = Object.keys(refs);
  if (names.length === 0) return {};
  const needs = names.join(', ');
  if (opts.addr === undefined || opts.addr === '') throw new SecretError('FTL_SECRET', `VAULT_ADDR is not set; it is needed to read ${needs} from Vault`, { hint: 'export VAULT_ADDR=https://vault.example.com:8200' });
  if (opts.token === undefined || opts.token === '') throw new SecretError('FTL_SECRET', `VAULT_TOKEN is not set; it is needed to read ${needs} from Vault`, { hint: 'export VAULT_TOKEN (vault login, or your CI secret)' });
  let base: URL;
  try {
    base = new URL(opts.addr);
  } catch {
    throw new SecretError('FTL_SECRET', `VAULT_ADDR '${opts.addr}' is not a URL`, { hint: 'e.g. https://vault.example.com:8200' });
  }
  const ca = opts.caCert === undefined || opts.caCert === '' ? undefined : readFileSync(opts.caCert, 'utf8');
  const mount = (opts.mount ?? 'secret').replace(/^\/+|\/+$/g, '');
  const byPath = new Map<string, { name: string; field: string }[]>();
  for (const name of names) {
    const { path, field } = parseVaultRef(name, refs[name] ?? '');
    byPath.set(path, [...(byPath.get(path) ?? []), { name, field }]);
  }
  const headers: Record<string, string> = { 'X-Vault-Token': opts.token, Accept: 'application/json' };
  if (opts.namespace !== undefined && opts.namespace !== '') headers['X-Vault-Namespace'] = opts.namespace;
  const out: Record<string, string> = {};
  for (const [path, wanted] of byPath) {
    const where = `${mount}/${path}`;
    const forWhat = wanted.map((w) => w.name).join(', ');
    const url = new URL(`${base.pathname.replace(/\/+$/, '')}/v1/${mount}/data/${path.split('/').map(encodeURIComponent).join('/')}`, base);
    let reply: HttpReply;
    try {
      reply = await get(url, headers, ca, opts.timeoutMs ?? 10_000);
    } catch (e) {
      throw new SecretError('FTL_SECRET', `cannot reach Vault at ${base.origin} to read ${where} (for ${forWhat}): ${e instanceof Error ? e.message : String(e)}`, { hint: 'check VAULT_ADDR and that Vault is up' });
    }
    if (reply.status === 403) {
      throw new SecretError('FTL_SECRET', `Vault refused to read ${where} (for ${forWhat}): permission denied${vaultErrors(reply.body).replace(/: permission denied$/, '')}`, { hint: 'VAULT_TOKEN is expired or its policy does not allow reading this path' });
    }
    const body = parseBody(reply.body);
    const metadata = body?.data?.metadata;
    // A deleted (or destroyed) latest version: Vault answers 404 with the metadata and no data.
    if (body?.data !== undefined && (body.data.data === null || body.data.data === undefined) && typeof metadata === 'object' && metadata !== null && (Boolean(metadata.deletion_time) || metadata.destroyed === true)) {
      throw new SecretError('FTL_SECRET', `the latest version of ${where} (for ${forWhat}) is deleted in Vault`, { hint: `vault kv undelete, or write it again: vault kv put ${where} ...` });
    }
    if (reply.status === 404) {
      throw new SecretError('FTL_SECRET', `Vault has no secret at ${where} (for ${forWhat})`, { hint: `check the path (under the KV v2 mount '${mount}'): vault kv get ${where}` });
    }
    if (reply.status !== 200) {
      throw new SecretError('FTL_SECRET', `Vault answered ${reply.status} reading ${where} (for ${forWhat})${vaultErrors(reply.body)}`, { hint: 'check VAULT_ADDR, the mount (a KV version 2 engine) and the path' });
    }
    const d = body?.data?.data;
    if (typeof d !== 'object' || d === null || Array.isArray(d)) {
      throw new SecretError('FTL_SECRET', `Vault's answer for ${where} is not a KV version 2 secret`, { hint: `is '${mount}' a KV version 2 mount? (vault secrets list -detailed)` });
    }
    const data = d as Record<string, unknown>;
    for (const { name, field } of wanted) {
      if (!(field in data)) {
        const fields = Object.keys(data).sort();
        throw new SecretError('FTL_SECRET', `Vault secret ${where} has no field '${field}' (for ${name}); it has ${fields.length === 0 ? 'no fields' : fields.join(', ')}`, { hint: `take one of its fields: ${path}#FIELD` });
      }
      out[name] = asText(data[field]);
    }
  }
  return out;
}
