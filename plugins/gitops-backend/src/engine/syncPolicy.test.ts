import type { ApplicationStatus } from '@mooring/plugin-gitops-common';
import {
  automaticSyncDue,
  initialAutomation,
  recordSelfHeal,
  recordSyncOutcome,
} from './syncPolicy';
import type { ApplicationSpec } from './types';

function spec(policy: Partial<ApplicationSpec['policy']>): ApplicationSpec {
  return {
    id: 'shop',
    entityRef: 'component:default/shop',
    target: 'default',
    source: { repoUrl: 'file:///repo', path: 'deploy', revision: 'main' },
    destination: { cluster: 'dev', namespace: 'shop' },
    policy: { sync: 'manual', prune: false, selfHeal: false, ...policy },
  };
}

const outOfSync = (target: string, synced: string): ApplicationStatus => ({
  sync: 'OutOfSync',
  health: 'Healthy',
  message: '',
  targetRevision: target,
  syncedRevision: synced,
});

describe('automaticSyncDue', () => {
  it('syncs a new commit only with sync: auto', () => {
    const automation = initialAutomation();
    expect(
      automaticSyncDue(spec({}), outOfSync('b', 'a'), automation, 0),
    ).toBeUndefined();
    expect(
      automaticSyncDue(
        spec({ sync: 'auto' }),
        outOfSync('b', 'a'),
        automation,
        0,
      ),
    ).toEqual({ reason: 'auto' });
  });

  it('heals drift at the synced commit only with self-heal', () => {
    const automation = initialAutomation();
    expect(
      automaticSyncDue(
        spec({ sync: 'auto' }),
        outOfSync('a', 'a'),
        automation,
        0,
      ),
    ).toBeUndefined();
    expect(
      automaticSyncDue(
        spec({ selfHeal: true }),
        outOfSync('a', 'a'),
        automation,
        0,
      ),
    ).toEqual({ reason: 'self-heal' });
  });

  it('leaves every newer commit alone while a rollback pins the application', () => {
    const automation = {
      ...initialAutomation(),
      steering: { pin: { revision: 'a', from: 'b', by: 'user:x', at: '' } },
    };
    for (const target of ['b', 'c']) {
      expect(
        automaticSyncDue(
          spec({ sync: 'auto' }),
          outOfSync(target, 'a'),
          automation,
          0,
        ),
      ).toBeUndefined();
    }
  });

  it('does nothing while suspended, not even self-heal', () => {
    const automation = {
      ...initialAutomation(),
      steering: { suspension: { by: 'user:x', at: '' } },
    };
    const policy = spec({ sync: 'auto', selfHeal: true });
    expect(
      automaticSyncDue(policy, outOfSync('b', 'a'), automation, 0),
    ).toBeUndefined();
    expect(
      automaticSyncDue(policy, outOfSync('a', 'a'), automation, 0),
    ).toBeUndefined();
  });

  it('guards the synced commit while a newer one waits for a manual sync', () => {
    expect(
      automaticSyncDue(
        spec({ selfHeal: true }),
        outOfSync('b', 'a'),
        initialAutomation(),
        0,
      ),
    ).toEqual({ reason: 'self-heal', revision: 'a' });
    // With auto-sync the newer commit is applied instead.
    expect(
      automaticSyncDue(
        spec({ sync: 'auto', selfHeal: true }),
        outOfSync('b', 'a'),
        initialAutomation(),
        0,
      ),
    ).toEqual({ reason: 'auto' });
    // Never synced: nothing to guard.
    expect(
      automaticSyncDue(
        spec({ selfHeal: true }),
        { ...outOfSync('b', 'a'), syncedRevision: undefined },
        initialAutomation(),
        0,
      ),
    ).toBeUndefined();
  });

  it('guards the pinned commit after a rollback, even with auto-sync', () => {
    const automation = {
      ...initialAutomation(),
      steering: { pin: { revision: 'a', by: 'user:x', at: '' } },
    };
    const policy = spec({ sync: 'auto', selfHeal: true });
    expect(
      automaticSyncDue(policy, outOfSync('c', 'a'), automation, 0),
    ).toEqual({ reason: 'self-heal', revision: 'a' });
    // Git back at the pinned commit: an ordinary self-heal.
    expect(
      automaticSyncDue(policy, outOfSync('a', 'a'), automation, 0),
    ).toEqual({ reason: 'self-heal' });
  });

  it('does nothing for an application in sync or not yet resolved', () => {
    const automation = initialAutomation();
    const policy = spec({ sync: 'auto', selfHeal: true });
    expect(
      automaticSyncDue(
        policy,
        { ...outOfSync('b', 'a'), sync: 'Synced' },
        automation,
        0,
      ),
    ).toBeUndefined();
    expect(
      automaticSyncDue(
        policy,
        { sync: 'OutOfSync', health: 'Healthy', message: '' },
        automation,
        0,
      ),
    ).toBeUndefined();
  });
});

describe('a refused sync', () => {
  it('is not tried again automatically for the same commit while the refusal stands', () => {
    const automation = { ...initialAutomation(), refusedRevision: 'b' };
    const refused = { ...outOfSync('b', 'a'), refusal: 'Refused: …' };
    const policy = spec({ sync: 'auto', selfHeal: true });
    expect(automaticSyncDue(policy, refused, automation, 0)).toBeUndefined();
    expect(
      automaticSyncDue(
        policy,
        { ...refused, targetRevision: 'c' },
        automation,
        0,
      ),
    ).toEqual({ reason: 'auto' });
    expect(
      automaticSyncDue(
        policy,
        { ...refused, refusal: undefined },
        automation,
        0,
      ),
    ).toEqual({ reason: 'auto' });
  });
});

describe('back-off', () => {
  it('waits 5 s, 10 s, 20 s… after failed automatic syncs, and forgets on success', () => {
    const automation = initialAutomation();
    const policy = spec({ sync: 'auto' });
    recordSyncOutcome(automation, false, 1_000);
    expect(automation.nextAutoAttempt).toBe(6_000);
    expect(
      automaticSyncDue(policy, outOfSync('b', 'a'), automation, 5_999),
    ).toBeUndefined();
    expect(
      automaticSyncDue(policy, outOfSync('b', 'a'), automation, 6_000),
    ).toEqual({ reason: 'auto' });
    recordSyncOutcome(automation, false, 6_000);
    expect(automation.nextAutoAttempt).toBe(16_000);
    recordSyncOutcome(automation, true, 7_000);
    expect(automation.nextAutoAttempt).toBe(0);
  });

  it('spaces self-heals that keep being undone, and starts over after a quiet minute', () => {
    const automation = initialAutomation();
    const heals = [0, 1, 2, 3].map(i => {
      const now = 1_000 * (i + 1);
      recordSelfHeal(automation, now);
      return automation.nextSelfHeal - now;
    });
    expect(heals).toEqual([0, 1000, 3000, 7000]);
    recordSelfHeal(automation, 200_000);
    expect(automation.nextSelfHeal).toBe(200_000);
  });
});
