import { screen, within } from '@testing-library/react';
import { renderInTestApp } from '@backstage/test-utils';
import type { ResourceChange } from '@mooring/plugin-gitops-common';
import { ChangeSet, summarizeChanges } from './ChangeSet';

const CHANGES: ResourceChange[] = [
  {
    kind: 'Job',
    namespace: 'orders',
    name: 'orders-migrate-x7k2p',
    action: 'succeeded',
    hook: 'PreSync',
    wave: 0,
  },
  {
    kind: 'Namespace',
    namespace: '',
    name: 'orders',
    action: 'unchanged',
    wave: -1,
  },
  {
    group: 'apps',
    kind: 'Deployment',
    namespace: 'orders',
    name: 'orders',
    action: 'configured',
    wave: 1,
  },
  {
    group: 'batch',
    kind: 'Job',
    namespace: 'orders',
    name: 'seed',
    action: 'replaced',
    wave: 1,
  },
  {
    kind: 'ConfigMap',
    namespace: 'orders',
    name: 'legacy',
    action: 'kept',
    message: 'Prune=false',
  },
  {
    kind: 'Pod',
    namespace: 'orders',
    name: 'orders-smoke-test',
    action: 'failed',
    hook: 'PostSync',
    wave: 2,
    message: 'exited with code 1',
  },
  {
    kind: 'Job',
    namespace: 'orders',
    name: 'orders-notify-failure',
    action: 'succeeded',
    hook: 'SyncFail',
  },
];

/** The items of one group, by its heading; the heading must be there too. */
function group(heading: string) {
  expect(screen.getByRole('heading', { name: heading })).toBeInTheDocument();
  return {
    items: within(screen.getByRole('list', { name: heading }))
      .getAllByRole('listitem')
      .map(li => li.textContent),
  };
}

describe('ChangeSet', () => {
  it('groups objects by action and hooks by phase, each with its wave and result', async () => {
    await renderInTestApp(<ChangeSet changes={CHANGES} />);

    expect(group('Changed (1)').items).toEqual([
      'Deployment orders/orders · wave 1',
    ]);
    expect(group('Replaced (1)').items).toEqual(['Job orders/seed · wave 1']);
    expect(group('Left in place (1)').items).toEqual([
      'ConfigMap orders/legacy · wave 0 — Prune=false',
    ]);
    expect(group('PreSync hooks (1)').items).toEqual([
      'Job orders/orders-migrate-x7k2p · wave 0 — succeeded',
    ]);
    expect(group('PostSync hooks (1)').items).toEqual([
      'Pod orders/orders-smoke-test · wave 2 — failed — exited with code 1',
    ]);
    expect(group('SyncFail hooks (1)').items).toEqual([
      'Job orders/orders-notify-failure · wave 0 — succeeded',
    ]);
    // A failed hook is a hook, not one more failed object.
    expect(
      screen.queryByRole('heading', { name: /^Failed/ }),
    ).not.toBeInTheDocument();
    expect(screen.getByText('1 object unchanged.')).toBeInTheDocument();
  });

  it('gives each new action and the hooks their own colour class', async () => {
    await renderInTestApp(<ChangeSet changes={CHANGES} />);
    const classOf = (name: string) =>
      screen.getByRole('heading', { name }).className;
    const classes = [
      classOf('Changed (1)'),
      classOf('Replaced (1)'),
      classOf('Left in place (1)'),
      classOf('PreSync hooks (1)'),
    ];
    expect(new Set(classes).size).toBe(4);
    expect(classOf('Replaced (1)')).toMatch(/replaced/);
    expect(classOf('Left in place (1)')).toMatch(/kept/);
    const result = within(
      screen.getByRole('list', { name: 'PreSync hooks (1)' }),
    ).getByText('— succeeded');
    expect(result.className).toMatch(/succeeded/);
  });

  it('words a preview as what will run, and leaves waves out when there is one', async () => {
    const preview: ResourceChange[] = [
      {
        kind: 'Job',
        namespace: 'orders',
        name: 'orders-migrate',
        action: 'created',
        hook: 'PreSync',
      },
      {
        kind: 'Deployment',
        namespace: 'orders',
        name: 'orders',
        action: 'configured',
      },
    ];
    await renderInTestApp(<ChangeSet changes={preview} preview />);
    expect(group('Will be changed (1)').items).toEqual([
      'Deployment orders/orders',
    ]);
    expect(group('PreSync hooks that will run (1)').items).toEqual([
      'Job orders/orders-migrate',
    ]);
  });

  it('says nothing changed only when no object and no hook did', async () => {
    await renderInTestApp(
      <ChangeSet changes={CHANGES.filter(c => c.action === 'unchanged')} />,
    );
    expect(screen.getByText('Nothing changed.')).toBeInTheDocument();
  });

  it('summarizes objects apart from hooks', () => {
    expect(summarizeChanges(CHANGES)).toBe(
      '0 to create, 1 to change, 0 to delete, 1 to replace, 3 hooks, 1 failing',
    );
  });
});
