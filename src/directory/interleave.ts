/**
 * The items of several async iterables as they come, each source read ahead by one item at
 * most, so that a source waiting on its server does not hold up the others. The order within
 * each source is kept. When one source fails, or the reader stops early, the others are closed.
 */
export async function* interleave<T>(sources: AsyncIterable<T>[]): AsyncGenerator<T> {
  const iterators = sources.map((source) => source[Symbol.asyncIterator]());
  const next = (index: number) => {
    const item = iterators[index]!.next().then((result) => ({ index, result }));
    // Marked handled now: a source may fail while the reader holds an item, before the next race
    // looks at it; unhandled even for that moment, the rejection would end the process.
    item.catch(() => undefined);
    return item;
  };
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
    await Promise.allSettled([...pending.keys()].map((index) => iterators[index]!.return?.()));
  }
}
