import { Backoff } from './Backoff';

describe('Backoff', () => {
  it('waits 500 ms first, doubles, stops at 30 s and starts over after a success', () => {
    const delays = new Backoff({ initialMs: 500, maxMs: 30_000 });
    const tries = () => Array.from({ length: 9 }, () => delays.next());
    expect(tries()).toEqual([
      500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000,
    ]);
    expect(delays.attempts).toBe(9);
    delays.reset();
    expect(delays.attempts).toBe(0);
    expect(delays.next()).toBe(500);
  });

  it('draws each jittered delay below its ceiling, never under 100 ms', () => {
    const draws = [0.5, 0.5, 0.5, 0, 1, 0.25];
    const delays = new Backoff({
      initialMs: 1000,
      maxMs: 4000,
      jitter: true,
      random: () => draws.shift()!,
    });
    const tries = Array.from({ length: 6 }, () => delays.next());
    expect(tries).toEqual([500, 1000, 2000, 100, 4000, 1000]);
  });
});
