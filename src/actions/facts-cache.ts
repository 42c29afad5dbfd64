/**
 * Facts gathered on hosts in one ftl session, so a second `setup` (and every service,
 * package and template call after it) does not gather again. Keyed by the host's gate
 * key (host, or host|become user: some facts depend on the user) and the setup args.
 */
export class FactsCache {
  private readonly byGate = new Map<string, Map<string, Promise<Record<string, unknown>>>>();
  private readonly known = new Map<string, Record<string, unknown>>();

  /** A cached setup result for these args, or a gathering already under way. */
  get(gateKey: string, argsKey: string): Promise<Record<string, unknown>> | undefined {
    return this.byGate.get(gateKey)?.get(argsKey);
  }

  /**
   * Keeps a gathering. Its facts join what is known of the host when it ends well;
   * one that fails is forgotten, so the next call tries again.
   */
  put(gateKey: string, argsKey: string, result: Promise<Record<string, unknown>>): void {
    const entries = this.byGate.get(gateKey) ?? new Map<string, Promise<Record<string, unknown>>>();
    this.byGate.set(gateKey, entries);
    entries.set(argsKey, result);
    result.then(
      (r) => {
        const facts = r.ansible_facts;
        if (facts !== null && typeof facts === 'object') this.known.set(gateKey, { ...this.known.get(gateKey), ...(facts as Record<string, unknown>) });
      },
      () => {
        if (entries.get(argsKey) === result) entries.delete(argsKey);
      },
    );
  }

  /** Every fact known of the host from its finished gatherings (ansible_* names). */
  factsOf(gateKey: string): Readonly<Record<string, unknown>> {
    return this.known.get(gateKey) ?? {};
  }

  /** Forgets a host's facts (or everyone's). */
  forget(gateKey?: string): void {
    if (gateKey === undefined) {
      this.byGate.clear();
      this.known.clear();
      return;
    }
    this.byGate.delete(gateKey);
    this.known.delete(gateKey);
  }
}
