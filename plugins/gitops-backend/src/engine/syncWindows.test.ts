import { ConfigReader } from '@backstage/config';
import type { JsonValue } from '@backstage/types';
import {
  SyncWindows,
  formatDuration,
  parseSyncWindows,
  readSyncWindows,
  windowApplies,
  windowVerdict,
} from './syncWindows';

const ledger = {
  id: 'component~default~ledger~default',
  entityRef: 'component:default/ledger',
  cluster: 'prod',
};
const payments = {
  id: 'component~default~payments~staging',
  entityRef: 'component:default/payments',
  cluster: 'dev',
};

const at = (iso: string) => new Date(iso);
const windows = (value: JsonValue) => parseSyncWindows(value);

describe('reading gitops.syncWindows', () => {
  it('reads every key, with durations as Argo CD and Backstage write them', () => {
    const [nightly, business, quarter] = readSyncWindows(
      new ConfigReader({
        gitops: {
          syncWindows: [
            {
              name: 'freeze',
              kind: 'deny',
              schedule: '0 22 * * *',
              duration: '8h',
              clusters: ['prod*'],
              applications: ['component:default/*'],
              manualSync: true,
            },
            {
              kind: 'allow',
              schedule: '0 9 * * 1-5',
              duration: { hours: 8, minutes: 30 },
            },
            { kind: 'deny', schedule: '@hourly', duration: '1h30m' },
          ],
        },
      }),
    );
    expect(nightly).toMatchObject({
      name: 'freeze',
      kind: 'deny',
      durationMs: 8 * 3_600_000,
      clusters: ['prod*'],
      applications: ['component:default/*'],
      manualSync: true,
    });
    expect(nightly.schedule.expression).toBe('0 22 * * *');
    expect(business).toMatchObject({
      kind: 'allow',
      durationMs: 8.5 * 3_600_000,
      manualSync: false,
    });
    expect(business.clusters).toBeUndefined();
    expect(quarter.durationMs).toBe(90 * 60_000);
    expect(
      windows([{ kind: 'deny', schedule: '* * * * *', duration: 'PT2H' }])[0]
        .durationMs,
    ).toBe(2 * 3_600_000);
    expect(readSyncWindows(new ConfigReader({}))).toEqual([]);
  });

  it.each([
    [{ kind: 'deny' }, /must be a list of windows/],
    [['deny'], /\[0\] must be an object with kind, schedule and duration/],
    [
      [{ kind: 'block', schedule: '* * * * *', duration: '1h' }],
      /\[0\]\.kind must be allow or deny; got "block"/,
    ],
    [
      [{ kind: 'deny', duration: '1h' }],
      /\[0\]\.schedule must be a cron schedule in UTC/,
    ],
    [
      [
        { kind: 'deny', schedule: '* * * * *', duration: '1h' },
        { kind: 'deny', schedule: '0 24 * * *', duration: '1h' },
      ],
      /gitops\.syncWindows\[1\]\.schedule '0 24 \* \* \*' is not a cron schedule: hour 24 is out of range 0-23; write 5 fields in UTC/,
    ],
    [
      [{ kind: 'deny', schedule: '* * * * *' }],
      /\[0\]\.duration is missing; use e\.g\. '1h'/,
    ],
    [
      [{ kind: 'deny', schedule: '* * * * *', duration: 'forever' }],
      /\[0\]\.duration "forever" is not a duration/,
    ],
    [
      [{ kind: 'deny', schedule: '* * * * *', duration: '10s' }],
      /\[0\]\.duration must be at least one minute/,
    ],
    [
      [{ kind: 'deny', schedule: '* * * * *', duration: '1h', clusters: [] }],
      /\[0\]\.clusters must be a non-empty list of globs/,
    ],
    [
      [
        {
          kind: 'deny',
          schedule: '* * * * *',
          duration: '1h',
          applications: 'ledger',
        },
      ],
      /\[0\]\.applications must be a non-empty list of globs/,
    ],
    [
      [
        {
          kind: 'deny',
          schedule: '* * * * *',
          duration: '1h',
          manualSync: 'yes',
        },
      ],
      /\[0\]\.manualSync must be true or false/,
    ],
    [
      [
        {
          kind: 'deny',
          schedule: '* * * * *',
          duration: '1h',
          timeZone: 'CET',
        },
      ],
      /\[0\]\.timeZone is not a sync window key; a window has name, kind/,
    ],
  ])('refuses %j with a clear error', (value, message) => {
    expect(() => windows(value as JsonValue)).toThrow(message);
  });
});

describe('which applications a window is about', () => {
  it('matches cluster globs and application globs over ids and entity refs', () => {
    const [byRef, byId, byCluster, both] = windows([
      {
        kind: 'deny',
        schedule: '* * * * *',
        duration: '1h',
        applications: ['Component:default/ledger'],
      },
      {
        kind: 'deny',
        schedule: '* * * * *',
        duration: '1h',
        applications: ['component~default~payments~*'],
      },
      {
        kind: 'deny',
        schedule: '* * * * *',
        duration: '1h',
        clusters: ['prod*'],
      },
      {
        kind: 'deny',
        schedule: '* * * * *',
        duration: '1h',
        clusters: ['dev'],
        applications: ['component:default/ledger'],
      },
    ]);
    expect([ledger, payments].map(s => windowApplies(byRef, s))).toEqual([
      true,
      false,
    ]);
    expect([ledger, payments].map(s => windowApplies(byId, s))).toEqual([
      false,
      true,
    ]);
    expect([ledger, payments].map(s => windowApplies(byCluster, s))).toEqual([
      true,
      false,
    ]);
    expect([ledger, payments].map(s => windowApplies(both, s))).toEqual([
      false,
      false,
    ]);
  });
});

describe('windowVerdict', () => {
  const nightlyFreeze = windows([
    { kind: 'deny', schedule: '0 22 * * *', duration: '8h' },
  ]);

  it('holds automation and manual syncs inside a deny window, and says until when', () => {
    expect(windowVerdict(nightlyFreeze, at('2026-12-01T23:30:00Z'))).toEqual({
      automation: false,
      manual: false,
      reason: 'deny window (0 22 * * *, 8h) active until 06:00 UTC',
    });
    expect(
      windowVerdict(nightlyFreeze, at('2026-12-02T05:59:00Z')),
    ).toMatchObject({
      automation: false,
    });
    for (const free of ['2026-12-02T06:00:00Z', '2026-12-01T21:59:00Z']) {
      expect(windowVerdict(nightlyFreeze, at(free))).toEqual({
        automation: true,
        manual: true,
      });
    }
  });

  it('lets people sync inside deny windows only when every open one says manualSync', () => {
    const [lenient, strict] = windows([
      {
        name: 'release',
        kind: 'deny',
        schedule: '0 * * * *',
        duration: '2h',
        manualSync: true,
      },
      { kind: 'deny', schedule: '30 12 * * *', duration: '1h' },
    ]);
    const noon = at('2026-12-01T12:10:00Z');
    expect(windowVerdict([lenient], noon)).toEqual({
      automation: false,
      manual: true,
      // It opens again every hour, before each opening closes.
      reason:
        "deny window 'release' (0 * * * *, 2h) active with no end in the next 7 days",
    });
    expect(windowVerdict([lenient, strict], noon).manual).toBe(true);
    const later = at('2026-12-01T12:40:00Z');
    const both = windowVerdict([lenient, strict], later);
    expect(both.manual).toBe(false);
    expect(both.reason).toContain(
      'deny window (30 12 * * *, 1h) active until 13:30 UTC',
    );
  });

  it('finds the end of openings that overlap', () => {
    const [twice] = windows([
      { kind: 'deny', schedule: '0 20,22 * * *', duration: '3h' },
    ]);
    expect(windowVerdict([twice], at('2026-12-01T21:00:00Z')).reason).toBe(
      'deny window (0 20,22 * * *, 3h) active until 01:00 UTC',
    );
  });

  it('runs automation only inside an allow window, and says when the next opens', () => {
    const business = windows([
      {
        kind: 'allow',
        schedule: '0 9 * * 1-5',
        duration: '8h',
        manualSync: true,
      },
    ]);
    // 2026-12-04 is a Friday.
    expect(windowVerdict(business, at('2026-12-04T10:00:00Z'))).toEqual({
      automation: true,
      manual: true,
    });
    expect(windowVerdict(business, at('2026-12-04T18:00:00Z'))).toEqual({
      automation: false,
      manual: true,
      reason:
        'outside allow window (0 9 * * 1-5, 8h); the next opens at 2026-12-07 09:00 UTC',
    });
    const [strictAllow] = windows([
      { kind: 'allow', schedule: '0 9 * * 1-5', duration: '8h' },
    ]);
    expect(
      windowVerdict([strictAllow], at('2026-12-04T18:00:00Z')).manual,
    ).toBe(false);
  });

  it('lets a deny window win over an open allow window', () => {
    const mixed = windows([
      { kind: 'allow', schedule: '0 0 * * *', duration: '24h' },
      { kind: 'deny', schedule: '0 12 * * *', duration: '1h' },
    ]);
    expect(windowVerdict(mixed, at('2026-12-01T12:30:00Z'))).toMatchObject({
      automation: false,
      reason: 'deny window (0 12 * * *, 1h) active until 13:00 UTC',
    });
    expect(windowVerdict(mixed, at('2026-12-01T13:30:00Z')).automation).toBe(
      true,
    );
  });
});

describe('SyncWindows', () => {
  it('asks only the windows of the application', () => {
    const syncWindows = new SyncWindows(
      windows([
        {
          kind: 'deny',
          schedule: '* * * * *',
          duration: '1h',
          applications: ['component:default/ledger'],
          manualSync: true,
        },
      ]),
    );
    const now = at('2026-12-01T10:00:30Z');
    expect(syncWindows.verdict(ledger, now)).toEqual({
      automation: false,
      manual: true,
      reason:
        'deny window (* * * * *, 1h) active with no end in the next 7 days',
    });
    expect(syncWindows.verdict(payments, now)).toEqual({
      automation: true,
      manual: true,
    });
    expect(new SyncWindows().verdict(ledger, now).automation).toBe(true);
  });
});

describe('formatDuration', () => {
  it('writes durations compactly', () => {
    expect(
      [60_000, 5_400_000, 8 * 3_600_000, 2 * 86_400_000 + 60_000].map(
        formatDuration,
      ),
    ).toEqual(['1m', '1h30m', '8h', '2d1m']);
  });
});
