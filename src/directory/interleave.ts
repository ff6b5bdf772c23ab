/**
 * The items of several async iterables as they come, each source read ahead by one item at
 * most, so that a source waiting on its server does not hold up the others. The order within
 * each source is kept. When one source fails, or the reader stops early, the others are closed.
 */
export async function* interleave<T>(sources: AsyncIterable<T>[]): AsyncGenerator<T> {
  const iterators = sources.map((source) => source[Symbol.asyncIterator]());
  const next = (index: number) => iterators[index]!.next().then((result) => ({ index, result }));
  const pending = new Map(iterators.map((_, index) => [index, next(index)]));
  try {
    while (pending.size > 0) {
      const { index, result } = await Promise.race(pending.values());
      if (result.done) {
        pending.delete(index);
        continue;
      }
      pending.set(index, next(index));
      yield result.value;
    }
  } finally {
    // The sources still open are closed once their pending item has settled (generators queue the return).
    for (const item of pending.values()) item.catch(() => undefined);
    await Promise.allSettled([...pending.keys()].map((index) => iterators[index]!.return?.()));
  }
}
