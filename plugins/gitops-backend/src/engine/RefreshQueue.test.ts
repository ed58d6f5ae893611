import { RefreshQueue } from './RefreshQueue';

/** Work that runs until the test lets it finish. */
function gate() {
  let open = () => {};
  const opened = new Promise<void>(resolve => {
    open = resolve;
  });
  return { open, opened };
}

describe('RefreshQueue', () => {
  it('runs changed applications first, at most `concurrency` at a time over every caller', async () => {
    const queue = new RefreshQueue(2);
    const started: string[] = [];
    let running = 0;
    let most = 0;
    const gates = new Map<string, ReturnType<typeof gate>>();
    const work = (id: string) => async () => {
      started.push(id);
      running += 1;
      most = Math.max(most, running);
      const g = gate();
      gates.set(id, g);
      await g.opened;
      running -= 1;
    };
    const first = queue.add(
      ['a', 'b', 'c', 'd'].map(id => ({
        id,
        changed: id === 'd',
        work: work(id),
      })),
    );
    // A second push, while the first one's applications wait.
    const second = queue.add(
      ['e', 'f', 'c'].map(id => ({ id, changed: id !== 'e', work: work(id) })),
    );
    await new Promise(resolve => setImmediate(resolve));
    expect(started).toEqual(['d', 'a']);
    const finish = async (id: string) => {
      gates.get(id)!.open();
      await new Promise(resolve => setImmediate(resolve));
    };
    for (const id of ['d', 'a', 'f', 'c', 'b', 'e']) await finish(id);
    await Promise.all([first, second]);
    expect(started).toEqual(['d', 'a', 'f', 'c', 'b', 'e']);
    expect(most).toBe(2);
    expect(queue.size).toBe(0);
  });

  it('runs a waiting application once, with the newest work; a running one again', async () => {
    const queue = new RefreshQueue(1);
    const log: string[] = [];
    const g = gate();
    const busy = queue.add([
      {
        id: 'busy',
        changed: true,
        work: async () => {
          log.push('busy 1');
          await g.opened;
        },
      },
    ]);
    const later = queue.add([
      { id: 'busy', changed: true, work: async () => void log.push('busy 2') },
      { id: 'app', changed: false, work: async () => void log.push('app old') },
    ]);
    const latest = queue.add([
      { id: 'app', changed: false, work: async () => void log.push('app new') },
    ]);
    expect(queue.size).toBe(2);
    g.open();
    await Promise.all([busy, later, latest]);
    expect(log).toEqual(['busy 1', 'busy 2', 'app new']);
  });

  it('settles for work that fails, and goes on', async () => {
    const queue = new RefreshQueue(1);
    const log: string[] = [];
    await queue.add([
      {
        id: 'bad',
        changed: true,
        work: () => {
          throw new Error('boom');
        },
      },
      {
        id: 'worse',
        changed: true,
        work: async () => {
          throw new Error('boom');
        },
      },
      { id: 'good', changed: false, work: async () => void log.push('good') },
    ]);
    expect(log).toEqual(['good']);
  });
});
