import { commitUrl, shortSha } from './commitUrl';
import { formatDuration, formatRelativeTime, runDuration } from './time';
import { describeInitiator } from './initiator';
import { buildResourceTree, resourceMatches } from './resourceTree';
import { diffStats, parseUnifiedDiff } from './diffLines';
import { describeError } from './errors';
import { ResponseError } from '@backstage/errors';
import { resources } from '../__testUtils__/fixtures';

const SHA = '3f2a9c1d4e5b6a7980c1d2e3f4a5b6c7d8e9f012';

describe('commitUrl', () => {
  it('links commits of http(s) repositories, per forge', () => {
    expect(commitUrl('https://github.com/acme/payments.git', SHA)).toBe(
      `https://github.com/acme/payments/commit/${SHA}`,
    );
    expect(commitUrl('https://gitlab.example.com/acme/payments', SHA)).toBe(
      `https://gitlab.example.com/acme/payments/-/commit/${SHA}`,
    );
    expect(commitUrl('https://bitbucket.org/acme/payments', SHA)).toBe(
      `https://bitbucket.org/acme/payments/commits/${SHA}`,
    );
  });

  it('drops credentials from the URL and links nothing for other schemes', () => {
    expect(commitUrl('https://user:token@git.example.com/a/b', SHA)).toBe(
      `https://git.example.com/a/b/commit/${SHA}`,
    );
    expect(commitUrl('git@github.com:acme/payments.git', SHA)).toBeUndefined();
    expect(commitUrl('file:///srv/repos/payments', SHA)).toBeUndefined();
    expect(
      commitUrl('https://github.com/acme/payments', 'main'),
    ).toBeUndefined();
  });

  it('shortens full SHAs only', () => {
    expect(shortSha(SHA)).toBe('3f2a9c1');
    expect(shortSha('v1.2.0')).toBe('v1.2.0');
  });
});

describe('time', () => {
  const now = Date.parse('2026-01-01T12:00:00Z');
  it('says how long ago', () => {
    expect(formatRelativeTime('2026-01-01T11:55:00Z', now)).toBe(
      '5 minutes ago',
    );
    expect(formatRelativeTime('2026-01-01T11:59:55Z', now)).toBe('just now');
    expect(formatRelativeTime('2025-12-31T12:00:00Z', now)).toBe('yesterday');
    expect(formatRelativeTime('not a date', now)).toBe('at an unknown time');
  });
  it('formats durations', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(12_000)).toBe('12 s');
    expect(formatDuration(184_000)).toBe('3 min 4 s');
    expect(formatDuration(3_720_000)).toBe('1 h 2 min');
    expect(runDuration('2026-01-01T12:00:00Z')).toBe('running');
  });
});

describe('describeInitiator', () => {
  it('names users by name and explains automatic starts', () => {
    expect(describeInitiator('user:default/guest')).toMatchObject({
      label: 'guest',
      type: 'user',
    });
    expect(describeInitiator('auto').label).toBe('Auto-sync');
    expect(describeInitiator('webhook').label).toBe('Webhook');
    expect(describeInitiator('self-heal').label).toBe('Self-heal');
    expect(describeInitiator('group:default/ops').label).toBe(
      'group:default/ops',
    );
  });
});

describe('resource tree', () => {
  it('nests live objects under their owners', () => {
    const roots = buildResourceTree(resources);
    expect(roots.map(r => r.key)).toEqual([
      'Deployment/payments/payments',
      'Service/payments/payments',
    ]);
    expect(roots[0].children[0].key).toBe('ReplicaSet/payments/payments-7d9f8');
    expect(roots[0].children[0].children[0].key).toBe(
      'Pod/payments/payments-7d9f8-abcde',
    );
  });

  it('keeps orphans and cycles visible as roots', () => {
    const orphan = {
      ...resources[2],
      parent: { kind: 'ReplicaSet', namespace: 'x', name: 'gone' },
    };
    expect(buildResourceTree([orphan])).toHaveLength(1);
    const a = {
      ...resources[0],
      name: 'a',
      parent: { kind: 'Deployment', namespace: 'payments', name: 'b' },
    };
    const b = {
      ...resources[0],
      name: 'b',
      parent: { kind: 'Deployment', namespace: 'payments', name: 'a' },
    };
    const roots = buildResourceTree([a, b]);
    expect(roots.length + roots.flatMap(r => r.children).length).toBe(2);
  });

  it('filters on kind, name, status and message', () => {
    expect(resourceMatches(resources[2], 'crashloop')).toBe(true);
    expect(resourceMatches(resources[2], 'payments/payments-7d9f8')).toBe(true);
    expect(resourceMatches(resources[3], 'degraded')).toBe(false);
  });
});

describe('parseUnifiedDiff', () => {
  it('classifies lines without altering them', () => {
    const lines = parseUnifiedDiff(
      '--- live\n+++ desired\n@@ -1 +1 @@\n a\n-b\n+c\n',
    );
    expect(lines.map(l => l.type)).toEqual([
      'header',
      'header',
      'hunk',
      'context',
      'removed',
      'added',
    ]);
    expect(lines[5].text).toBe('+c');
    expect(diffStats(lines)).toEqual({ added: 1, removed: 1 });
  });
});

describe('describeError', () => {
  const responseError = async (status: number, message: string) =>
    ResponseError.fromResponse(
      new Response(
        JSON.stringify({
          error: { name: 'E', message },
          response: { statusCode: status },
        }),
        {
          status,
          headers: { 'Content-Type': 'application/json' },
        },
      ) as any,
    );

  it('explains network failures, denials and outages in words', async () => {
    expect(describeError(new TypeError('Failed to fetch'), 'x').title).toBe(
      'Mooring backend unreachable',
    );
    expect(describeError(await responseError(503, 'down'), 'x').title).toBe(
      'Mooring backend unreachable',
    );
    const denied = describeError(
      await responseError(403, 'not an owner'),
      'the deployments of c',
    );
    expect(denied.title).toBe('Permission denied');
    expect(denied.message).toBe(
      'You may not access the deployments of c: not an owner',
    );
    expect(describeError(await responseError(409, 'busy'), 'x').title).toBe(
      'A sync is already running',
    );
  });
});
