/** A progress callback and a promise that resolves once n hosts of the call are running at once. */
export function whenRunning(n: number): { onProgress: (p: { runningCount: number }) => void; running: Promise<void> } {
  let go: () => void = () => undefined;
  const running = new Promise<void>((r) => (go = r));
  return {
    onProgress: (p) => {
      // runningCount, not running.length: a progress event names only the slowest few hosts.
      if (p.runningCount >= n) go();
    },
    running,
  };
}
