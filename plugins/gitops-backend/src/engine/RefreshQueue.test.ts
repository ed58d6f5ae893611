import { RefreshQueue } from './RefreshQueue';

/** Work that runs until the test lets it finish. */
function gate() {
  let open = () => {};
  const opened = new Promise<void>(resolve => {
    open = resolve;
  });
  return { open, opened };
}

/** Work for each id that shows in `running` until the test opens it. */
function gatedWork() {
  const running = new Set<string>();
  const gates = new Map<string, ReturnType<typeof gate>>();
  const work = (id: string) => async () => {
    running.add(id);
    const g = gate();
    gates.set(id, g);
    await g.opened;
    running.delete(id);
  };
  const open = (id: string) => gates.get(id)!.open();
  return { running, work, open };
}

const tick = () => new Promise(resolve => setImmediate(resolve));

/** Opens whatever runs until nothing does. */
async function finishAll(running: Set<string>, open: (id: string) => void) {
  while (running.size) {
    [...running].forEach(open);
    await tick();
  }
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

  it('keeps a quarter of the slots for the others while changed applications run', async () => {
    const queue = new RefreshQueue(8);
    const { running, work, open } = gatedWork();
    const others = Array.from({ length: 20 }, (_, i) => `other-${i}`);
    const all = queue.add([
      { id: 'pushed', changed: true, work: work('pushed') },
      ...others.map(id => ({ id, changed: false, work: work(id) })),
    ]);
    await tick();
    // The changed one, and two others (a quarter of eight) beside it.
    expect([...running]).toEqual(['pushed', 'other-0', 'other-1']);
    open('other-0');
    await tick();
    expect([...running]).toEqual(['pushed', 'other-1', 'other-2']);
    // Once it is done the others take every slot.
    open('pushed');
    await tick();
    expect(running.size).toBe(8);
    expect(running.has('pushed')).toBe(false);
    // A later push's changed application starts at once in a free slot,
    // and holds the others back to their share again.
    const later = queue.add([
      { id: 'next', changed: true, work: work('next') },
    ]);
    open('other-1');
    await tick();
    expect(running.has('next')).toBe(true);
    [...running]
      .filter(r => r !== 'next')
      .slice(0, 6)
      .forEach(open);
    await tick();
    expect(running.size).toBe(3);
    expect(running.has('next')).toBe(true);
    // Everything still runs to the end.
    await finishAll(running, open);
    await Promise.all([all, later]);
    expect(queue.size).toBe(0);
  });

  it('keeps the others to their share while a push is on its way', async () => {
    const queue = new RefreshQueue(4);
    const { running, work, open } = gatedWork();
    const pushed = queue.arriving();
    const others = queue.add(
      ['a', 'b', 'c', 'd', 'e'].map(id => ({
        id,
        changed: false,
        work: work(id),
      })),
    );
    await tick();
    expect([...running]).toEqual(['a']);
    pushed();
    pushed(); // a second call changes nothing
    await tick();
    expect([...running]).toEqual(['a', 'b', 'c', 'd']);
    await finishAll(running, open);
    await others;
    expect(queue.size).toBe(0);
  });

  it('lets a push on its way hold the others back for two seconds at most', async () => {
    jest.useFakeTimers();
    try {
      const queue = new RefreshQueue(4);
      const { running, work, open } = gatedWork();
      queue.arriving(); // a push whose Git server never answers
      const others = queue.add(
        ['a', 'b', 'c', 'd'].map(id => ({
          id,
          changed: false,
          work: work(id),
        })),
      );
      await jest.advanceTimersByTimeAsync(1_900);
      expect([...running]).toEqual(['a']);
      await jest.advanceTimersByTimeAsync(200);
      expect([...running]).toEqual(['a', 'b', 'c', 'd']);
      [...running].forEach(open);
      await others;
    } finally {
      jest.useRealTimers();
    }
  });
});
