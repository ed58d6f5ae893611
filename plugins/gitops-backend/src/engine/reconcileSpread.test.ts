import { reconcileOffset, runSpread } from './reconcileSpread';

describe('reconcileOffset', () => {
  it('keeps each application at one place in the window', () => {
    expect(reconcileOffset('shop~default', 60_000)).toBe(
      reconcileOffset('shop~default', 60_000),
    );
    expect(reconcileOffset('shop~default', 60_000)).not.toBe(
      reconcileOffset('shop~prod', 60_000),
    );
  });

  it('spreads a fleet evenly over the window', () => {
    const buckets = new Array(10).fill(0);
    for (let i = 0; i < 10_000; i++) {
      const offset = reconcileOffset(`app-${i}`, 10);
      expect(offset).toBeGreaterThanOrEqual(0);
      expect(offset).toBeLessThan(10);
      buckets[Math.floor(offset)]++;
    }
    // Each tenth of the window gets about a tenth of the fleet.
    for (const count of buckets) {
      expect(count).toBeGreaterThan(800);
      expect(count).toBeLessThan(1200);
    }
  });
});

describe('runSpread', () => {
  it('runs every item in order of its offset and waits for all', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `app-${i}`);
    const started: string[] = [];
    await runSpread(ids, {
      windowMs: 50,
      idOf: id => id,
      run: async id => {
        started.push(id);
      },
      stopped: () => false,
    });
    const byOffset = [...ids].sort(
      (a, b) => reconcileOffset(a, 50) - reconcileOffset(b, 50),
    );
    expect(started).toEqual(byOffset);
  });

  it('starts nothing more once stopped', async () => {
    const started: string[] = [];
    await runSpread(['a', 'b', 'c', 'd'], {
      windowMs: 20,
      idOf: id => id,
      run: async id => {
        started.push(id);
      },
      stopped: () => started.length >= 2,
    });
    expect(started).toHaveLength(2);
  });
});
