import { Store, StoreEvent } from './store';

const obj = (namespace: string, name: string, rv: number) => ({
  metadata: { namespace, name, resourceVersion: String(rv) },
});

describe('Store', () => {
  it('lists one namespace or all, sorted, after inserts and removals', () => {
    const store = new Store();
    for (const [ns, name] of [
      ['b', 'x'],
      ['a', 'z'],
      ['a', 'y'],
      ['ab', 'w'],
      ['a-1', 'v'],
    ]) {
      store.put('/configmaps', obj(ns, name, store.nextRv()));
    }
    const names = (ns?: string) =>
      store
        .list('/configmaps', ns)
        .map(o => `${o.metadata.namespace}/${o.metadata.name}`);
    expect(names()).toEqual(['a-1/v', 'a/y', 'a/z', 'ab/w', 'b/x']);
    expect(names('a')).toEqual(['a/y', 'a/z']);
    store.remove('/configmaps', obj('a', 'y', store.nextRv()));
    store.put('/configmaps', obj('a', 'a', store.nextRv()));
    expect(names('a')).toEqual(['a/a', 'a/z']);
    expect(names('missing')).toEqual([]);
  });

  it('replays events after a version, and reports versions the log no longer reaches', () => {
    const store = new Store(3);
    const seen: StoreEvent[] = [];
    store.subscribe('/configmaps', e => seen.push(e));
    for (let i = 0; i < 5; i++)
      store.put('/configmaps', obj('a', `n${i}`, store.nextRv()));
    expect(seen.map(e => e.rv)).toEqual([1, 2, 3, 4, 5]);
    expect(store.eventsSince('/configmaps', 3)!.map(e => e.rv)).toEqual([4, 5]);
    expect(store.eventsSince('/configmaps', 2)!.map(e => e.rv)).toEqual([
      3, 4, 5,
    ]);
    expect(store.eventsSince('/configmaps', 1)).toBeUndefined();
    expect(store.eventsSince('/secrets', 0)).toEqual([]);
  });
});
