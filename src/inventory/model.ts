import { InventoryError } from '../base/errors.js';

/** The inventory as Ansible's InventoryData holds it: groups, hosts, their own vars. */
export class InventoryData {
  readonly groups = new Map<string, GroupNode>();
  readonly hosts = new Map<string, HostNode>();

  constructor() {
    this.group('all');
    this.group('ungrouped');
    this.addChild('all', 'ungrouped');
  }

  group(name: string): GroupNode {
    let g = this.groups.get(name);
    if (g === undefined) {
      g = { name, vars: {}, children: [], parents: [], hosts: [], priority: 1 };
      this.groups.set(name, g);
    }
    return g;
  }

  host(name: string): HostNode {
    let h = this.hosts.get(name);
    if (h === undefined) {
      h = { name, vars: {}, groups: [] };
      this.hosts.set(name, h);
    }
    return h;
  }

  addChild(parent: string, child: string, file?: string): void {
    if (parent === child) throw new InventoryError('FTL_INVENTORY_CYCLE', `group ${child} is its own child${file === undefined ? '' : ` in ${file}`}`);
    const p = this.group(parent);
    const c = this.group(child);
    if (this.isAncestor(child, parent)) {
      throw new InventoryError('FTL_INVENTORY_CYCLE', `groups form a cycle: ${parent} -> ${child} -> ... -> ${parent}${file === undefined ? '' : ` in ${file}`}`);
    }
    if (!p.children.includes(child)) p.children.push(child);
    if (!c.parents.includes(parent)) c.parents.push(parent);
  }

  /** Whether `a` is `b` or an ancestor of `b`... seen from b upward. */
  private isAncestor(a: string, b: string): boolean {
    const seen = new Set<string>();
    const stack = [b];
    while (stack.length > 0) {
      const n = stack.pop() ?? '';
      if (n === a) return true;
      if (seen.has(n)) continue;
      seen.add(n);
      stack.push(...(this.groups.get(n)?.parents ?? []));
    }
    return false;
  }

  addHost(group: string, host: string): void {
    const g = this.group(group);
    const h = this.host(host);
    if (!g.hosts.includes(host)) g.hosts.push(host);
    if (!h.groups.includes(group)) h.groups.push(group);
  }

  /**
   * As Ansible's reconcile_inventory: hosts in no real group move to ungrouped (never
   * directly under all), and a group with no parent becomes a child of all.
   */
  reconcile(): void {
    const all = this.group('all');
    for (const h of this.hosts.values()) {
      const real = h.groups.filter((g) => g !== 'all' && g !== 'ungrouped');
      if (real.length === 0 && !h.groups.includes('ungrouped')) this.addHost('ungrouped', h.name);
      if (real.length > 0 && h.groups.includes('ungrouped')) {
        const ungrouped = this.group('ungrouped');
        ungrouped.hosts = ungrouped.hosts.filter((n) => n !== h.name);
      }
      h.groups = h.groups.filter((g) => g !== 'all' && (g !== 'ungrouped' || real.length === 0));
    }
    all.hosts = [];
    for (const g of this.groups.values()) {
      if (g.name === 'all') continue;
      if (g.parents.length === 0) this.addChild('all', g.name);
    }
  }

  /** Depth: the longest path from all. */
  depth(name: string, seen = new Set<string>()): number {
    const g = this.groups.get(name);
    if (g === undefined || g.parents.length === 0 || seen.has(name)) return 0;
    seen.add(name);
    return 1 + Math.max(...g.parents.map((p) => this.depth(p, seen)));
  }

  ancestors(name: string): string[] {
    const out = new Set<string>();
    const stack = [...(this.groups.get(name)?.parents ?? [])];
    while (stack.length > 0) {
      const n = stack.pop() ?? '';
      if (out.has(n)) continue;
      out.add(n);
      stack.push(...(this.groups.get(n)?.parents ?? []));
    }
    return [...out];
  }

  /**
   * All hosts of a group and its descendants, deduplicated: the group's own first,
   * then its children's, level by level, as Ansible's Group.get_hosts walks them.
   */
  hostsOf(name: string): string[] {
    const order: string[] = [name];
    const seen = new Set(order);
    for (let i = 0; i < order.length; i++) {
      for (const c of this.groups.get(order[i] ?? '')?.children ?? []) {
        if (!seen.has(c)) {
          seen.add(c);
          order.push(c);
        }
      }
    }
    const out: string[] = [];
    const got = new Set<string>();
    for (const g of order) {
      for (const h of this.groups.get(g)?.hosts ?? []) {
        if (!got.has(h)) {
          got.add(h);
          out.push(h);
        }
      }
    }
    return out;
  }
}

export interface GroupNode {
  readonly name: string;
  vars: Record<string, unknown>;
  readonly children: string[];
  readonly parents: string[];
  hosts: string[];
  priority: number;
}

export interface HostNode {
  readonly name: string;
  vars: Record<string, unknown>;
  groups: string[];
}
