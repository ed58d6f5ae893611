import { screen, within, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { EntityGitopsContent } from './EntityGitopsContent';
import { FakeGitopsApi } from '../../__testUtils__/FakeGitopsApi';
import { renderGitops } from '../../__testUtils__/renderGitops';
import {
  diffs,
  history,
  makeApp,
  makeOperation,
  OLD_SHA,
  resources,
} from '../../__testUtils__/fixtures';

jest.setTimeout(60_000);

function driftedFake() {
  const app = makeApp({
    status: { ...makeApp().status, sync: 'OutOfSync' },
  });
  const api = new FakeGitopsApi([app]);
  api.runs[app.id] = history;
  api.resources[app.id] = resources;
  api.diffs[app.id] = diffs;
  api.preview = [
    {
      kind: 'Deployment',
      namespace: 'payments',
      name: 'payments',
      action: 'configured',
    },
    {
      kind: 'ConfigMap',
      namespace: 'payments',
      name: 'flags',
      action: 'created',
    },
    {
      kind: 'Job',
      namespace: 'payments',
      name: 'migrate-1',
      action: 'deleted',
    },
    {
      kind: 'Service',
      namespace: 'payments',
      name: 'payments',
      action: 'unchanged',
    },
  ];
  return { app, api };
}

describe('EntityGitopsContent', () => {
  it('shows the drift of each out-of-sync resource as a coloured unified diff, Secret values as masked by the API', async () => {
    const { api } = driftedFake();
    await renderGitops(<EntityGitopsContent />, { api });

    const deployment = await screen.findByRole('region', {
      name: 'Drift of Deployment payments/payments',
    });
    const removed = within(deployment).getByText(/^-\s+replicas: 5$/);
    const added = within(deployment).getByText(/^\+\s+replicas: 3$/);
    expect(removed).toHaveAttribute('data-diff-line', 'removed');
    expect(added).toHaveAttribute('data-diff-line', 'added');

    const secret = screen.getByRole('region', {
      name: 'Drift of Secret payments/payments-db',
    });
    expect(secret).toHaveTextContent('password: "++++++++ (masked)"');
    expect(
      within(secret).getByText(/^\+\s+password: "\+{8} \(masked\)"$/),
    ).toHaveAttribute('data-diff-line', 'added');
  });

  it('lists resources with sync, health and message, expands the ownership tree and filters', async () => {
    const { api } = driftedFake();
    await renderGitops(<EntityGitopsContent />, { api });

    const table = await screen.findByRole('table', { name: 'Resources' });
    expect(
      within(table).queryByText('payments/payments-7d9f8-abcde'),
    ).not.toBeInTheDocument();
    expect(
      within(table).queryByText('payments/payments-7d9f8'),
    ).not.toBeInTheDocument();

    await userEvent.click(
      within(table).getByRole('button', {
        name: 'Show the 1 objects owned by Deployment payments',
      }),
    );
    expect(
      within(table).getByText('payments/payments-7d9f8'),
    ).toBeInTheDocument();
    await userEvent.click(
      within(table).getByRole('button', {
        name: 'Show the 1 objects owned by ReplicaSet payments-7d9f8',
      }),
    );
    const pod = within(table)
      .getByText('payments/payments-7d9f8-abcde')
      .closest('tr')!;
    expect(within(pod).getByText('Degraded')).toBeInTheDocument();
    expect(
      within(pod).getByText(
        'CrashLoopBackOff: back-off restarting failed container',
      ),
    ).toBeInTheDocument();

    await userEvent.type(
      screen.getByLabelText('Filter resources'),
      'crashloop',
    );
    expect(within(table).getAllByRole('row')).toHaveLength(2);
    expect(
      within(table).getByText('payments/payments-7d9f8-abcde'),
    ).toBeInTheDocument();
  });

  it('shows history with time, revision and message, author, initiator, duration and result, and the change set on expand', async () => {
    const { api } = driftedFake();
    await renderGitops(<EntityGitopsContent />, { api });

    const table = await screen.findByRole('table', { name: 'Sync history' });
    const latest = within(table).getByTestId('history-run-run-2');
    expect(
      within(latest).getByText('Raise payments replicas to 3'),
    ).toBeInTheDocument();
    expect(within(latest).getByText('Ada Lovelace')).toBeInTheDocument();
    expect(within(latest).getByText('guest')).toBeInTheDocument();
    expect(within(latest).getByText('30 s')).toBeInTheDocument();
    expect(within(latest).getByText('Succeeded')).toBeInTheDocument();
    expect(within(latest).getByText('10 minutes ago')).toBeInTheDocument();
    const older = within(table).getByTestId('history-run-run-1');
    expect(within(older).getByText('Webhook')).toBeInTheDocument();
    expect(within(older).getByText('Grace Hopper')).toBeInTheDocument();

    await userEvent.click(
      within(latest).getByRole('button', { name: /Show the changes/ }),
    );
    expect(within(table).getByText('Changed (1)')).toBeInTheDocument();
    expect(
      within(table).getByText('Deployment payments/payments'),
    ).toBeInTheDocument();
    expect(within(table).getByText('1 object unchanged.')).toBeInTheDocument();
  });

  it("shows a run's phases and waves with their durations on expand", async () => {
    const { api, app } = driftedFake();
    const start = Date.parse(history[0].startedAt);
    const at = (seconds: number) =>
      new Date(start + seconds * 1000).toISOString();
    api.runs[app.id] = [
      {
        ...history[0],
        steps: [
          {
            phase: 'PreSync',
            wave: 0,
            startedAt: at(0),
            finishedAt: at(8),
            objects: 1,
          },
          {
            phase: 'Sync',
            wave: 0,
            startedAt: at(8),
            healthyAt: at(20),
            finishedAt: at(21),
            objects: 2,
          },
          {
            phase: 'Sync',
            wave: 1,
            startedAt: at(21),
            finishedAt: at(30),
            objects: 1,
            message: 'Deployment payments/payments Healthy',
          },
        ],
      },
      history[1],
    ];
    await renderGitops(<EntityGitopsContent />, { api });

    const latest = await screen.findByTestId('history-run-run-2');
    await userEvent.click(
      within(latest).getByRole('button', { name: /Show the changes/ }),
    );
    const steps = screen.getByRole('table', {
      name: 'Steps of the sync of 3f2a9c1',
    });
    const rows = within(steps)
      .getAllByRole('row')
      .slice(1)
      .map(row =>
        within(row)
          .getAllByRole('cell')
          .map(cell => cell.textContent),
      );
    expect(
      rows.map(([phase, wave, objects, , took, note]) => [
        phase,
        wave,
        objects,
        took,
        note,
      ]),
    ).toEqual([
      ['PreSync', '0', '1', '8 s', ''],
      ['Sync', '0', '2', '13 s (healthy after 12 s)', ''],
      ['Sync', '1', '1', '9 s', 'Deployment payments/payments Healthy'],
    ]);
  });

  it('syncs through the dialog: revision and prune, a dry-run preview, confirm, then live progress to the result', async () => {
    const { api, app } = driftedFake();
    await renderGitops(<EntityGitopsContent />, { api });

    const summary = await screen.findByRole('region', {
      name: 'Target default',
    });
    await userEvent.click(
      within(summary).getByRole('button', { name: 'Sync payments (default)' }),
    );
    const dialog = await screen.findByRole('dialog');
    await userEvent.type(within(dialog).getByLabelText('Revision'), 'v2.1.0');
    await userEvent.click(within(dialog).getByRole('checkbox'));
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Preview changes' }),
    );

    expect(
      await within(dialog).findByText(/1 to create, 1 to change, 1 to delete/),
    ).toBeInTheDocument();
    expect(within(dialog).getByText('Will be created (1)')).toBeInTheDocument();
    expect(
      within(dialog).getByText('ConfigMap payments/flags'),
    ).toBeInTheDocument();
    expect(within(dialog).getByText('Will be deleted (1)')).toBeInTheDocument();
    expect(
      within(dialog).getByText('Job payments/migrate-1'),
    ).toBeInTheDocument();
    expect(api.callsTo('sync')).toEqual([
      {
        method: 'sync',
        args: [app.id, { revision: 'v2.1.0', prune: true, dryRun: true }],
      },
    ]);

    await userEvent.click(
      within(dialog).getByRole('button', {
        name: 'Confirm sync of payments (default)',
      }),
    );
    expect(api.callsTo('sync')[1].args).toEqual([
      app.id,
      { revision: 'v2.1.0', prune: true },
    ]);
    expect(
      await within(dialog).findByRole('progressbar', {
        name: 'Sync progress: 1 of 3 objects',
      }),
    ).toBeInTheDocument();

    api.finishOperation(app.id);
    expect(
      await within(dialog).findByText('Sync complete', undefined, {
        timeout: 10_000,
      }),
    ).toBeInTheDocument();
    expect(within(dialog).getByText('Succeeded')).toBeInTheDocument();
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Close' }),
    );

    await waitFor(() =>
      expect(
        screen.getByText('No drift: the cluster matches Git.'),
      ).toBeInTheDocument(),
    );
  });

  it('syncs only the drifted object with "Sync this": preview and sync name just that object', async () => {
    const { api, app } = driftedFake();
    await renderGitops(<EntityGitopsContent />, { api });

    await userEvent.click(
      await screen.findByRole('button', {
        name: 'Sync only Deployment payments/payments of payments (default)',
      }),
    );
    const dialog = await screen.findByRole('dialog');
    expect(
      within(dialog).getByText(
        'Sync Deployment payments/payments of payments (default)',
      ),
    ).toBeInTheDocument();
    expect(dialog).toHaveTextContent(
      'Only Deployment payments/payments is applied',
    );
    expect(within(dialog).queryByLabelText('Revision')).not.toBeInTheDocument();
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Preview changes' }),
    );
    expect(
      await within(dialog).findByText(/only Deployment payments\/payments:/),
    ).toBeInTheDocument();
    await userEvent.click(
      within(dialog).getByRole('button', {
        name: 'Confirm sync of payments (default)',
      }),
    );
    const selector = {
      group: 'apps',
      kind: 'Deployment',
      namespace: 'payments',
      name: 'payments',
    };
    expect(api.callsTo('sync').map(c => c.args)).toEqual([
      [app.id, { resources: [selector], dryRun: true }],
      [app.id, { resources: [selector] }],
    ]);
    expect(
      await within(dialog).findByRole('progressbar', {
        name: 'Sync progress: 1 of 3 objects',
      }),
    ).toBeInTheDocument();
  });

  it('explains a refused sync (already running) and keeps the dialog usable', async () => {
    const { api, app } = driftedFake();
    await renderGitops(<EntityGitopsContent />, { api });
    await userEvent.click(
      await screen.findByRole('button', { name: 'Sync payments (default)' }),
    );
    const dialog = await screen.findByRole('dialog');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Preview changes' }),
    );
    await within(dialog).findByText(/to create/);
    // Someone else starts a sync meanwhile.
    await api.sync(app.id, {});
    await userEvent.click(
      within(dialog).getByRole('button', {
        name: 'Confirm sync of payments (default)',
      }),
    );
    expect(
      await within(dialog).findByText('A sync is already running'),
    ).toBeInTheDocument();
    expect(
      within(dialog).getByText(
        'A sync of component:default/payments (default) is already running',
      ),
    ).toBeInTheDocument();
    expect(
      within(dialog).getByRole('button', { name: 'Preview changes' }),
    ).toBeEnabled();
  });

  it('rolls back to a successful run after confirmation and follows it', async () => {
    const { api, app } = driftedFake();
    await renderGitops(<EntityGitopsContent />, { api });

    const table = await screen.findByRole('table', { name: 'Sync history' });
    const older = within(table).getByTestId('history-run-run-1');
    await userEvent.click(
      within(older).getByRole('button', {
        name: 'Roll back payments (default) to 9b8a7c6',
      }),
    );
    const dialog = await screen.findByRole('dialog');
    expect(
      within(dialog).getByText(/First deployment of payments/),
    ).toBeInTheDocument();
    await userEvent.click(
      within(dialog).getByRole('button', {
        name: 'Confirm rollback of payments (default) to 9b8a7c6',
      }),
    );
    expect(api.callsTo('rollback')).toEqual([
      { method: 'rollback', args: [app.id, 'run-1'] },
    ]);
    expect(await within(dialog).findByText('Running')).toBeInTheDocument();
    api.finishOperation(app.id);
    expect(
      await within(dialog).findByText('Succeeded', undefined, {
        timeout: 10_000,
      }),
    ).toBeInTheDocument();
    expect(api.apps[0].status.syncedRevision).toBe(OLD_SHA);
  });

  it('offers Rollback only on successful runs', async () => {
    const { api, app } = driftedFake();
    api.runs[app.id] = [
      {
        ...history[0],
        id: 'run-9',
        phase: 'Failed',
        message: 'Apply failed: Deployment payments: invalid',
      },
      ...history,
    ];
    await renderGitops(<EntityGitopsContent />, { api });
    const failed = await screen.findByTestId('history-run-run-9');
    expect(within(failed).getByText('Failed')).toBeInTheDocument();
    expect(
      within(failed).queryByRole('button', { name: /Roll back/ }),
    ).not.toBeInTheDocument();
    expect(
      within(screen.getByTestId('history-run-run-2')).getByRole('button', {
        name: /Roll back/,
      }),
    ).toBeEnabled();
  });

  it('shows targets side by side and the details of the chosen one', async () => {
    const staging = makeApp({ id: 'staging', target: 'staging' });
    const prod = makeApp({
      id: 'prod',
      target: 'prod',
      status: {
        ...makeApp().status,
        operation: makeOperation({ progress: { done: 1, total: 4 } }),
      },
    });
    const api = new FakeGitopsApi([staging, prod]);
    api.runs.prod = [{ ...history[1], id: 'prod-run' }];
    await renderGitops(<EntityGitopsContent />, { api });

    expect(
      await screen.findByRole('region', { name: 'Target staging' }),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('region', { name: 'Target prod' }),
    ).toBeInTheDocument();
    expect(screen.getByText('History · staging')).toBeInTheDocument();

    await userEvent.click(screen.getByRole('tab', { name: 'prod' }));
    expect(await screen.findByText('History · prod')).toBeInTheDocument();
    expect(
      await screen.findByTestId('history-run-prod-run'),
    ).toBeInTheDocument();
  });

  it('opens the target a link names with ?target=', async () => {
    const staging = makeApp({ id: 'staging', target: 'staging' });
    const prod = makeApp({ id: 'prod', target: 'prod' });
    const api = new FakeGitopsApi([staging, prod]);
    await renderGitops(<EntityGitopsContent />, {
      api,
      route: '/?target=prod',
    });
    expect(await screen.findByText('History · prod')).toBeInTheDocument();
    expect(screen.queryByText('History · staging')).not.toBeInTheDocument();
    expect(screen.getByRole('tab', { name: 'prod' })).toHaveAttribute(
      'aria-selected',
      'true',
    );
  });

  it('asks Mooring to refresh now and shows the new status without a reload', async () => {
    const { api, app } = driftedFake();
    api.apps[0].status.sync = 'Synced';
    api.diffs[app.id] = [];
    await renderGitops(<EntityGitopsContent />, { api });
    expect(
      await screen.findByText('No drift: the cluster matches Git.'),
    ).toBeInTheDocument();

    // Someone scales the Deployment by hand; the backend sees it on refresh.
    api.apps[0].status.sync = 'OutOfSync';
    api.diffs[app.id] = diffs;
    await userEvent.click(
      screen.getByRole('button', { name: 'Refresh payments (default)' }),
    );
    expect(api.callsTo('refresh')).toEqual([
      { method: 'refresh', args: [app.id] },
    ]);
    expect(
      await screen.findByRole('region', {
        name: 'Drift of Deployment payments/payments',
      }),
    ).toBeInTheDocument();
    expect(screen.getAllByLabelText('Sync: OutOfSync').length).toBeGreaterThan(
      0,
    );
  });

  it('explains a failed resources request without hiding the rest of the page', async () => {
    const { api } = driftedFake();
    api.getResources = async () => {
      throw new TypeError('Failed to fetch');
    };
    await renderGitops(<EntityGitopsContent />, { api });
    expect(
      await screen.findByText(
        /Could not load the resources of payments \(default\)/,
      ),
    ).toBeInTheDocument();
    expect(
      await screen.findByRole('table', { name: 'Sync history' }),
    ).toBeInTheDocument();
    // The application's own status stays in view.
    expect(screen.getAllByLabelText('Sync: OutOfSync').length).toBeGreaterThan(
      0,
    );
  });
});
