import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { SyncStep } from '@mooring/plugin-gitops-common';
import { EntityGitopsCard } from '../EntityGitopsCard';
import { EntityGitopsContent } from '../EntityGitopsContent';
import { AlertSpy } from '../../__testUtils__/AlertSpy';
import { FakeGitopsApi } from '../../__testUtils__/FakeGitopsApi';
import { renderGitops } from '../../__testUtils__/renderGitops';
import { history, makeApp, makeOperation } from '../../__testUtils__/fixtures';

jest.setTimeout(60_000);

const ago = (seconds: number) =>
  new Date(Date.now() - seconds * 1000).toISOString();

const STEPS: SyncStep[] = [
  {
    phase: 'PreSync',
    wave: 0,
    startedAt: ago(95),
    healthyAt: ago(83),
    finishedAt: ago(80),
    objects: 1,
  },
  {
    phase: 'Sync',
    wave: 1,
    startedAt: ago(80),
    objects: 3,
    message: 'Waiting for Deployment orders/orders: 1 of 3 replicas available',
  },
];

const WAITING = 'wave 1 to be Healthy: Deployment orders/orders';

describe('a running operation', () => {
  it('shows what it waits for and is terminated from the card', async () => {
    const app = makeApp({
      status: {
        ...makeApp().status,
        operation: makeOperation({ steps: STEPS, waitingFor: WAITING }),
      },
    });
    const api = new FakeGitopsApi([app]);
    await renderGitops(<EntityGitopsCard />, { api });

    const section = await screen.findByRole('region', {
      name: 'Target default',
    });
    expect(section).toHaveTextContent(`Waiting for ${WAITING}`);
    await userEvent.click(
      within(section).getByRole('button', {
        name: 'Terminate the sync of payments (default)',
      }),
    );
    expect(api.callsTo('terminate')).toEqual([
      { method: 'terminate', args: [app.id] },
    ]);
    expect(
      await within(section).findByText(
        'Last sync failed: Terminated by user:default/guest',
      ),
    ).toBeInTheDocument();
    expect(
      within(section).queryByRole('button', { name: /^Terminate/ }),
    ).not.toBeInTheDocument();
  });

  it('shows its steps with timing in the sync dialog, and Terminate ends it Failed', async () => {
    const app = makeApp({ status: { ...makeApp().status, sync: 'OutOfSync' } });
    const api = new FakeGitopsApi([app]);
    api.runs[app.id] = history;
    await renderGitops(<EntityGitopsContent />, { api });

    await userEvent.click(
      await screen.findByRole('button', { name: 'Sync payments (default)' }),
    );
    const dialog = await screen.findByRole('dialog');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Preview changes' }),
    );
    await userEvent.click(
      await within(dialog).findByRole('button', {
        name: 'Confirm sync of payments (default)',
      }),
    );
    // The backend reports the waves as the sync goes.
    Object.assign(api.apps[0].status.operation!, {
      steps: STEPS,
      waitingFor: WAITING,
    });
    const steps = await within(dialog).findByRole(
      'table',
      { name: 'Sync steps' },
      { timeout: 10_000 },
    );
    const presync = within(steps).getByTestId('sync-step-PreSync-0');
    expect(presync).toHaveTextContent('PreSync');
    expect(presync).toHaveTextContent('15 s (healthy after 12 s)');
    const wave = within(steps).getByTestId('sync-step-Sync-1');
    expect(wave).toHaveTextContent('running');
    expect(wave).toHaveTextContent(
      'Waiting for Deployment orders/orders: 1 of 3 replicas available',
    );
    expect(dialog).toHaveTextContent(`Waiting for ${WAITING}`);

    await userEvent.click(
      within(dialog).getByRole('button', {
        name: 'Terminate the sync of payments (default)',
      }),
    );
    expect(api.callsTo('terminate')).toEqual([
      { method: 'terminate', args: [app.id] },
    ]);
    expect(
      await within(dialog).findByLabelText('Result: Failed'),
    ).toBeInTheDocument();
    expect(dialog).toHaveTextContent('Terminated by user:default/guest');
    expect(dialog).not.toHaveTextContent(`Waiting for ${WAITING}`);
    // The wave the sync was stopped in has no end time: it no longer says running.
    expect(
      within(dialog).getByTestId('sync-step-Sync-1'),
    ).not.toHaveTextContent('running');
    expect(
      within(dialog).queryByRole('button', { name: /^Terminate/ }),
    ).not.toBeInTheDocument();
  });

  it('says so when there is nothing left to terminate', async () => {
    const app = makeApp({
      status: { ...makeApp().status, operation: makeOperation() },
    });
    const api = new FakeGitopsApi([app]);
    const alertApi = new AlertSpy();
    await renderGitops(<EntityGitopsCard />, { api, alertApi });
    const button = await screen.findByRole('button', {
      name: 'Terminate the sync of payments (default)',
    });
    // The sync ends on its own before the click reaches the backend.
    api.finishOperation(app.id);
    await userEvent.click(button);
    await waitFor(() =>
      expect(alertApi.messages).toEqual([
        {
          message:
            'Nothing to terminate: No operation of component:default/payments (default) is running',
          severity: 'error',
        },
      ]),
    );
    await waitFor(() =>
      expect(
        screen.queryByRole('button', { name: /^Terminate/ }),
      ).not.toBeInTheDocument(),
    );
  });
});
