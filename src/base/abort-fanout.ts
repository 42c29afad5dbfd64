/**
 * Abort listeners kept in a Set behind one real listener per signal. A call hands one signal
 * to every host it runs on, and each host's requests listen on it: EventTarget's
 * addEventListener and removeEventListener walk the signal's whole listener list, so 10,000
 * hosts listening on one signal cost the controller seconds per call (quadratic). Adding and
 * removing here is O(1); listeners still run in the order they were added, once.
 */
const fanouts = new WeakMap<AbortSignal, Set<() => void>>();

/** Calls `fn` once when `signal` aborts; the returned function stops listening. */
export function onAbort(signal: AbortSignal, fn: () => void): () => void {
  let set = fanouts.get(signal);
  if (set === undefined) {
    const mine = new Set<() => void>();
    set = mine;
    fanouts.set(signal, mine);
    signal.addEventListener(
      'abort',
      () => {
        fanouts.delete(signal);
        for (const f of [...mine]) {
          try {
            f();
          } catch (e) {
            // As EventTarget does: one listener's error does not stop the others, and is not lost.
            queueMicrotask(() => {
              throw e;
            });
          }
        }
        mine.clear();
      },
      { once: true },
    );
  }
  const mine = set;
  mine.add(fn);
  return () => {
    mine.delete(fn);
  };
}
