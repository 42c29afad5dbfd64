import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from './drivers.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface ProfileSummary {
  /** Wall time the profile covers, ms. */
  totalMs: number;
  /** Time on the CPU (not idle), ms. */
  busyMs: number;
  /** Self time by function, largest first. */
  functions: { name: string; ms: number }[];
  /** Self time by package or source folder (ink, ssh2, src/run…), largest first. */
  areas: { name: string; ms: number }[];
}

function area(url: string): string {
  if (url === '') return '(native / V8)';
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = path.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') === true ? `${rest[0]}/${rest[1] ?? ''}` : (rest[0] ?? '?');
  }
  if (path.startsWith('node:')) return 'node core';
  const rel = relative(ROOT, path);
  if (rel.startsWith('..')) return path;
  const parts = rel.split('/');
  return parts[0] === 'dist' || parts[0] === 'src' ? parts.slice(0, parts[0] === 'dist' ? 3 : 2).join('/').replace(/^dist\/src/, 'src') : parts[0] ?? rel;
}

/** Self time per function and per area from a V8 .cpuprofile (what `node --cpu-prof` writes). */
export function summariseProfile(path: string): ProfileSummary {
  const p = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i] ?? 0;
    // A sample's time is the gap to the next one.
    const dt = (deltas[i + 1] ?? 0) / 1000;
    self.set(id, (self.get(id) ?? 0) + dt);
  }
  const fns = new Map<string, number>();
  const areas = new Map<string, number>();
  let idle = 0;
  for (const [id, t] of self) {
    const n = byId.get(id);
    if (n === undefined) continue;
    const fn = n.callFrame.functionName || '(anonymous)';
    if (fn === '(idle)') {
      idle += t;
      continue;
    }
    const a = area(n.callFrame.url);
    const key = `${fn} (${a}${n.callFrame.url === '' ? '' : `:${String(n.callFrame.lineNumber + 1)}`})`;
    fns.set(key, (fns.get(key) ?? 0) + t);
    areas.set(a, (areas.get(a) ?? 0) + t);
  }
  const totalMs = (p.endTime - p.startTime) / 1000;
  const sorted = (m: Map<string, number>): { name: string; ms: number }[] => [...m].map(([name, v]) => ({ name, ms: v })).sort((a, b) => b.ms - a.ms);
  return { totalMs, busyMs: totalMs - idle, functions: sorted(fns), areas: sorted(areas) };
}

/** The newest .cpuprofile in a directory. */
export function newestProfile(dir: string): string | undefined {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort();
  const last = files[files.length - 1];
  return last === undefined ? undefined : join(dir, last);
}

export function formatProfile(title: string, s: ProfileSummary, top = 12): string {
  const lines = [`${title}: ${s.totalMs.toFixed(0)} ms profiled, ${s.busyMs.toFixed(0)} ms on the CPU`];
  lines.push(`  by area: ${s.areas.slice(0, 8).map((a) => `${a.name} ${a.ms.toFixed(0)} ms`).join(', ')}`);
  for (const f of s.functions.slice(0, top)) lines.push(`  ${f.ms.toFixed(1).padStart(7)} ms  ${f.name}`);
  return lines.join('\n');
}

// `node --import tsx bench/profile.ts FILE.cpuprofile…` prints a summary of each.
if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  for (const f of process.argv.slice(2)) console.log(formatProfile(f, summariseProfile(f), 25));
}
