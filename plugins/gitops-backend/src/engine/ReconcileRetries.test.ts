import { ReconcileRetries, RetryReason } from './ReconcileRetries';

describe('ReconcileRetries', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  function retries() {
    const calls: [string, RetryReason][] = [];
    const scheduler = new ReconcileRetries((id, reason) =>
      calls.push([id, reason]),
    );
    return { calls, scheduler };
  }

  it('looks again within a second, once per application however often asked', () => {
    const { calls, scheduler } = retries();
    const first = scheduler.schedule('shop', 'trouble');
    expect(first.attempt).toBe(1);
    expect(first.nextAt - Date.now()).toBeLessThanOrEqual(1000);
    expect(scheduler.schedule('shop', 'trouble')).toEqual(first);
    jest.advanceTimersByTime(1000);
    expect(calls).toEqual([['shop', 'trouble']]);
  });

  it('backs off while the trouble lasts, up to 30 s, and starts quick again after a reset', () => {
    const { calls, scheduler } = retries();
    const ceilings = [1000, 2000, 4000, 8000, 16000, 30000, 30000];
    for (const [i, ceiling] of ceilings.entries()) {
      const { attempt, nextAt } = scheduler.schedule('shop', 'trouble');
      expect(attempt).toBe(i + 1);
      expect(nextAt - Date.now()).toBeLessThanOrEqual(ceiling);
      jest.advanceTimersByTime(ceiling);
    }
    expect(calls).toHaveLength(ceilings.length);
    scheduler.reset('shop', 'trouble');
    const again = scheduler.schedule('shop', 'trouble');
    expect(again.attempt).toBe(1);
    expect(again.nextAt - Date.now()).toBeLessThanOrEqual(1000);
  });

  it('looks at a given time when asked, unless a look comes sooner', () => {
    const { calls, scheduler } = retries();
    scheduler.schedule('shop', 'sync', Date.now() + 5000);
    // A later time leaves the sooner look in place.
    scheduler.schedule('shop', 'sync', Date.now() + 9000);
    jest.advanceTimersByTime(5000);
    expect(calls).toEqual([['shop', 'sync']]);
    jest.advanceTimersByTime(10_000);
    expect(calls).toHaveLength(1);
  });

  it('retries a cluster fault within seconds while a failed sync waits out its back-off', () => {
    const { calls, scheduler } = retries();
    // A failed automatic sync looks again in five minutes...
    scheduler.schedule('shop', 'sync', Date.now() + 5 * 60_000);
    // ...and meanwhile the cluster stops answering: that is retried soon,
    // and the status says when.
    const trouble = scheduler.schedule('shop', 'trouble');
    expect(trouble.nextAt - Date.now()).toBeLessThanOrEqual(1000);
    jest.advanceTimersByTime(1000);
    expect(calls).toEqual([['shop', 'trouble']]);
    // The sync's own look still comes when its back-off ends.
    jest.advanceTimersByTime(5 * 60_000);
    expect(calls).toEqual([
      ['shop', 'trouble'],
      ['shop', 'sync'],
    ]);
  });

  it('does nothing for a removed application or once stopped', () => {
    const { calls, scheduler } = retries();
    scheduler.schedule('gone', 'lease');
    scheduler.forget('gone');
    scheduler.schedule('shop', 'trouble');
    scheduler.stop();
    scheduler.schedule('shop', 'lease');
    jest.advanceTimersByTime(60_000);
    expect(calls).toEqual([]);
  });
});
