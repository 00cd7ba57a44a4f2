/**
 * Runs `work` over `items` with at most `limit` at once. The first failure stops new work
 * from starting; the ones already running finish, then that failure is thrown.
 */
export async function runPool<T>(items: Iterable<T>, limit: number, work: (item: T) => Promise<void>): Promise<void> {
  const iterator = items[Symbol.iterator]();
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    for (;;) {
      if (failure) return;
      const next = iterator.next();
      if (next.done) return;
      try {
        await work(next.value);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, limit) }, worker));
  if (failure) throw failure.error;
}

/** Retries `attempt` on failures `retryable` accepts, waiting a little longer each time. */
export async function withRetries<T>(
  attempt: () => Promise<T>,
  retryable: (error: unknown) => boolean,
  tries = 4,
): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      if (i >= tries || !retryable(error)) throw error;
      await Bun.sleep(200 * 2 ** i);
    }
  }
}
