export interface ModuleOption {
  readonly name: string;
  readonly type: string;
  readonly required: boolean;
  readonly default?: unknown;
  readonly choices?: readonly unknown[];
  readonly aliases: readonly string[];
  readonly noLog: boolean;
  readonly elements?: string;
  readonly description: string;
  readonly suboptions?: readonly ModuleOption[];
}

export type ModuleKind = 'module' | 'action' | 'controller-only';

export interface ModuleInfo {
  readonly fqcn: string;
  readonly shortName: string;
  /** 'ansible.builtin', 'community.general', 'ftl' (native only), '' (own module dirs). */
  readonly collection: string;
  readonly path: string | undefined;
  /** The gate runs it in its own process. */
  readonly native: boolean;
  readonly kind: ModuleKind;
  /** Set when the name asked for was redirected (runtime.yml) to this module. */
  readonly redirectedFrom?: string;
  readonly deprecation?: string;
}

export interface ModuleDoc extends ModuleInfo {
  readonly shortDescription: string;
  readonly description: string;
  readonly options: readonly ModuleOption[];
  readonly examples: string;
}
