import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../base/paths.js';
import type { ModuleDoc, ModuleInfo, ModuleOption } from '../base/module-types.js';

type RawOption = {
  type?: string;
  required?: boolean;
  default?: unknown;
  choices?: unknown[] | Record<string, unknown>;
  aliases?: string[];
  no_log?: boolean;
  elements?: string;
  description?: string | string[];
  suboptions?: Record<string, RawOption>;
  options?: Record<string, RawOption>;
};
type RawDoc = { short_description?: string; description?: string | string[]; options?: Record<string, RawOption> };

function text(v: string | string[] | undefined): string {
  if (v === undefined) return '';
  return Array.isArray(v) ? v.map(String).join('\n') : v;
}

/** Ansible's PASSWORD_MATCH (module_utils/basic.py): such options are masked in logs unless no_log is set false. */
const PASSWORD_MATCH = /^(?:.+[-_\s])?pass(?:[-_\s]?(?:word|phrase|wrd|wd)?)(?:[-_\s].+)?$/i;

/**
 * no_log as Ansible applies it: the argument_spec's flag (read from the source, since
 * DOCUMENTATION often omits it), else the docs' own, else a password-like name.
 */
function isNoLog(name: string, o: RawOption, argspec: Readonly<Record<string, boolean>>): boolean {
  const declared = argspec[name] ?? o.no_log;
  if (declared !== undefined) return declared;
  return PASSWORD_MATCH.test(name) && o.type !== 'bool' && o.choices === undefined;
}

function toOptions(raw: Record<string, RawOption> | undefined, argspec: Readonly<Record<string, boolean>>): ModuleOption[] {
  return Object.entries(raw ?? {}).map(([name, o]) => {
    const sub = o.suboptions ?? o.options;
    const choices = Array.isArray(o.choices) ? o.choices : o.choices !== undefined ? Object.keys(o.choices) : undefined;
    return {
      name,
      type: o.type ?? 'str',
      required: o.required === true,
      ...(o.default === undefined || o.default === null ? {} : { default: o.default }),
      ...(choices === undefined ? {} : { choices }),
      aliases: o.aliases ?? [],
      noLog: isNoLog(name, o, argspec),
      ...(o.elements === undefined ? {} : { elements: o.elements }),
      description: text(o.description),
      ...(sub === undefined ? {} : { suboptions: toOptions(sub, argspec) }),
    };
  });
}

export function toModuleDoc(info: ModuleInfo, raw: RawDoc, examples: string, argspecNoLog: Readonly<Record<string, boolean>> = {}): ModuleDoc {
  return { ...info, shortDescription: raw.short_description ?? '', description: text(raw.description), options: toOptions(raw.options, argspecNoLog), examples };
}

const DOC_CACHE_VERSION = 2;

/** ftl's own fast facts module has no Ansible doc to read. */
const FACTS_DOC: RawDoc = {
  short_description: "A host's basic facts, fast (hostname, OS, kernel, CPU, memory, python)",
  description: "Runs inside the gate. Returns ansible_facts with the keys Ansible's setup module uses, for a small, quick subset of them.",
  options: {},
};

interface Extracted {
  fqcn: string;
  doc?: RawDoc;
  examples?: string;
  no_log?: Record<string, boolean>;
  error?: string;
}

/** Module docs read by Ansible's own doc loader (doc fragments merged), cached on disk per file version. */
export class DocLoader {
  private readonly memory = new Map<string, ModuleDoc>();

  constructor(
    private readonly python: string,
    private readonly cacheDir: string,
  ) {}

  private cachePath(info: ModuleInfo): string | undefined {
    if (info.path === undefined) return undefined;
    try {
      const st = statSync(info.path);
      // DOC_CACHE_VERSION changes when what is read from a module changes.
      return join(this.cacheDir, 'docs', `${info.fqcn}-${st.size}-${Math.round(st.mtimeMs)}-v${String(DOC_CACHE_VERSION)}.json`);
    } catch {
      return undefined;
    }
  }

  async load(info: ModuleInfo): Promise<ModuleDoc | undefined> {
    const r = (await this.loadMany([info])).get(info.fqcn);
    return r === undefined || 'error' in r ? undefined : r;
  }

  async loadMany(infos: readonly ModuleInfo[]): Promise<Map<string, ModuleDoc | { error: string }>> {
    const out = new Map<string, ModuleDoc | { error: string }>();
    const todo: ModuleInfo[] = [];
    for (const info of infos) {
      const known = this.memory.get(info.fqcn);
      if (known !== undefined) {
        out.set(info.fqcn, { ...known, ...info });
        continue;
      }
      if (info.path === undefined) {
        if (info.shortName === 'facts') out.set(info.fqcn, toModuleDoc(info, FACTS_DOC, ''));
        continue;
      }
      const cached = this.readCache(info);
      if (cached !== undefined) {
        this.memory.set(info.fqcn, cached);
        out.set(info.fqcn, cached);
      } else todo.push(info);
    }
    if (todo.length === 0) return out;
    const byFqcn = new Map(todo.map((i) => [i.fqcn, i]));
    for (const e of await this.extract(todo)) {
      const info = byFqcn.get(e.fqcn);
      if (info === undefined) continue;
      if (e.doc === undefined) {
        out.set(info.fqcn, { error: e.error ?? 'no documentation' });
        continue;
      }
      const doc = toModuleDoc(info, e.doc, e.examples ?? '', e.no_log);
      this.memory.set(info.fqcn, doc);
      this.writeCache(info, doc);
      out.set(info.fqcn, doc);
    }
    return out;
  }

  private readCache(info: ModuleInfo): ModuleDoc | undefined {
    const path = this.cachePath(info);
    if (path === undefined) return undefined;
    try {
      return { ...(JSON.parse(readFileSync(path, 'utf8')) as ModuleDoc), ...info };
    } catch {
      return undefined;
    }
  }

  private writeCache(info: ModuleInfo, doc: ModuleDoc): void {
    const path = this.cachePath(info);
    if (path === undefined) return;
    try {
      mkdirSync(join(this.cacheDir, 'docs'), { recursive: true, mode: 0o700 });
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(doc));
      renameSync(tmp, path);
    } catch {
      // a cache that cannot be written only costs time
    }
  }

  /** Many modules (a check over the whole index) are read by several Python processes at once. */
  private async extract(infos: readonly ModuleInfo[]): Promise<Extracted[]> {
    const parts = infos.length < 400 ? 1 : Math.min(4, availableParallelism());
    const size = Math.ceil(infos.length / parts);
    const chunks = Array.from({ length: parts }, (_, i) => infos.slice(i * size, (i + 1) * size));
    return (await Promise.all(chunks.map((c) => this.extractOne(c)))).flat();
  }

  private extractOne(infos: readonly ModuleInfo[]): Promise<Extracted[]> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.python, [join(packageRoot(), 'python', 'ansible_docs.py')], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, PYTHONWARNINGS: 'ignore', ANSIBLE_DEPRECATION_WARNINGS: 'False' } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
      child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
      child.once('error', reject);
      child.once('close', (code) => {
        const lines = stdout.split('\n').filter((l) => l.trim() !== '');
        if (code !== 0 && lines.length === 0) {
          reject(new Error(`reading module docs with ${this.python} failed: ${stderr.trim().split('\n').slice(-1).join('')}`));
          return;
        }
        resolve(lines.map((l) => JSON.parse(l) as Extracted));
      });
      child.stdin.end(JSON.stringify(infos.map((i) => [i.fqcn, i.path])));
    });
  }
}
