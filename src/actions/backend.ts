/**
 * ansible.builtin.service and ansible.builtin.package: pick the module that manages
 * services or packages on this host (systemd, sysvinit, service; apt, dnf, yum, ...)
 * from its facts, as Ansible's action plugins do, and run it. The facts come from the
 * session's cache; without them ftl runs setup's minimal subset once per host.
 */
import type { HostOutcome } from '../base/types.js';
import { str, without } from './args.js';
import { failed } from './results.js';
import { gatherFacts } from './setup.js';
import type { Action, ActionContext, Args } from './types.js';

/** The minimal subset: service_mgr and pkg_mgr are in it, and it costs little. */
const MIN_FACTS = { gather_subset: ['!all'] };

/** Options the systemd module has no use for (Ansible drops them with a warning). */
const UNUSED: Record<string, readonly string[]> = { systemd: ['pattern', 'runlevel', 'sleep', 'arguments', 'args'] };

async function factOf(ctx: ActionContext, name: string): Promise<string | undefined> {
  let v = ctx.factsCache.factsOf(ctx.gateKey)[name];
  if (v === undefined) {
    await gatherFacts(ctx, MIN_FACTS, false);
    v = ctx.factsCache.factsOf(ctx.gateKey)[name];
  }
  return typeof v === 'string' ? v : undefined;
}

function withWarnings(o: HostOutcome, warnings: string[]): HostOutcome {
  if (warnings.length === 0) return o;
  const had = Array.isArray(o.result.warnings) ? (o.result.warnings as unknown[]) : [];
  return { status: o.status, result: { ...o.result, warnings: [...had, ...warnings] } };
}

/** Which module manages services here: `use`, else the service_mgr fact, else service. */
async function serviceModule(ctx: ActionContext, args: Args, known: (m: string) => boolean): Promise<string> {
  let m = (str(args, 'use') ?? 'auto').toLowerCase();
  if (m === 'auto') m = (await factOf(ctx, 'ansible_service_mgr')) ?? 'auto';
  return m === '' || m === 'auto' || !known(m) ? 'service' : m;
}

export function serviceAction(known: (module: string) => boolean): Action {
  return {
    prepare: (args) => async (ctx) => {
      const module = await serviceModule(ctx, args, known);
      const warnings: string[] = [];
      let moduleArgs = without(args, 'use');
      for (const unused of UNUSED[module] ?? []) {
        if (unused in moduleArgs) {
          moduleArgs = without(moduleArgs, unused);
          warnings.push(`Ignoring "${unused}" as it is not used in "${module}"`);
        }
      }
      return withWarnings(await ctx.module(module, moduleArgs, { real: true }), warnings);
    },
  };
}

export function packageAction(known: (module: string) => boolean): Action {
  return {
    prepare: (args) => async (ctx) => {
      let m = str(args, 'use') ?? 'auto';
      if (m === 'auto') m = (await factOf(ctx, 'ansible_pkg_mgr')) ?? 'auto';
      if (m === 'auto') return failed('Could not detect which package manager to use. Try gathering facts or setting the "use" option.');
      if (!known(m)) return failed(`Could not find a module for ${m}.`);
      return ctx.module(m, without(args, 'use'), { real: true });
    },
  };
}
