import { Backoff } from './Backoff';

describe('Backoff', () => {
  it('waits 500 ms first, doubles, stops at 30 s and starts over after a success', () => {
    const delays = new Backoff({ initialMs: 500, maxMs: 30_000 });
    const tries = () => Array.from({ length: 9 }, () => delays.next());
    expect(tries()).toEqual([
      500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000,
    ]);
    delays.reset();
    expect(delays.next()).toBe(500);
  });
});
