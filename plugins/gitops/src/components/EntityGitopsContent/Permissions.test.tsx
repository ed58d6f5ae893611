import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { EntityGitopsContent } from './EntityGitopsContent';
import { EntityGitopsCard } from '../EntityGitopsCard';
import { FakeGitopsApi } from '../../__testUtils__/FakeGitopsApi';
import { renderGitops } from '../../__testUtils__/renderGitops';
import {
  diffs,
  history,
  makeApp,
  makeOperation,
  OLD_SHA,
} from '../../__testUtils__/fixtures';

jest.setTimeout(30_000);

// In a file of its own: permission results are cached per entity for the whole module.
describe('a user who may not sync', () => {
  it('reads everything, with Sync and Rollback disabled and explained, and no Sync this', async () => {
    const app = makeApp({ status: { ...makeApp().status, sync: 'OutOfSync' } });
    const api = new FakeGitopsApi([app]);
    api.runs[app.id] = history;
    api.diffs[app.id] = diffs;
    await renderGitops(
      <>
        <EntityGitopsCard />
        <EntityGitopsContent />
      </>,
      { api, canSync: false },
    );

    expect(
      await screen.findByRole('table', { name: 'Sync history' }),
    ).toBeInTheDocument();
    await waitFor(() =>
      expect(screen.getAllByText(/only its owners can/).length).toBeGreaterThan(
        0,
      ),
    );
    for (const button of screen.getAllByRole('button', {
      name: 'Sync payments (default)',
    })) {
      expect(button).toBeDisabled();
    }
    expect(
      await screen.findByRole('region', {
        name: 'Drift of Deployment payments/payments',
      }),
    ).toBeInTheDocument();
    expect(
      screen.queryByRole('button', { name: /^Sync only / }),
    ).not.toBeInTheDocument();
    const run = screen.getByTestId('history-run-run-1');
    expect(
      within(run).getByRole('button', { name: /Roll back/ }),
    ).toBeDisabled();
    expect(screen.getAllByText(/^-\s+replicas: 5$/).length).toBeGreaterThan(0);

    await userEvent.click(
      within(run).getByRole('button', { name: /Show the changes/ }),
    );
    expect(screen.getByText('Created (1)')).toBeInTheDocument();
    expect(api.callsTo('sync')).toEqual([]);
    expect(api.callsTo('rollback')).toEqual([]);
  });

  it('sees why automation waits, but no Suspend, Resume or Terminate', async () => {
    const app = makeApp({
      policy: { sync: 'auto', prune: true, selfHeal: true },
      status: {
        ...makeApp().status,
        operation: makeOperation(),
        automation: {
          suspended: true,
          reason: 'Incident 4711',
          by: 'user:default/ada',
          at: new Date().toISOString(),
          pinnedRevision: OLD_SHA,
          pinnedBy: 'user:default/ada',
        },
      },
    });
    const api = new FakeGitopsApi([app]);
    await renderGitops(
      <>
        <EntityGitopsCard />
        <EntityGitopsContent />
      </>,
      { api, canSync: false },
    );

    await waitFor(() =>
      expect(screen.getAllByText(/only its owners can/).length).toBeGreaterThan(
        0,
      ),
    );
    for (const section of screen.getAllByRole('region', {
      name: 'Target default',
    })) {
      expect(section).toHaveTextContent(
        'Automation suspended by ada just now: Incident 4711',
      );
      expect(section).toHaveTextContent(
        'Pinned at 9b8a7c6 after a rollback by ada',
      );
      expect(section).toHaveTextContent('Sync running, started by guest');
    }
    expect(screen.queryByRole('button', { name: /^Resume/ })).toBeNull();
    expect(screen.queryByRole('button', { name: /^Suspend/ })).toBeNull();
    expect(screen.queryByRole('button', { name: /^Terminate/ })).toBeNull();
  });
});
