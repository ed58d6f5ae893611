import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { EntityGitopsContent } from './EntityGitopsContent';
import { EntityGitopsCard } from '../EntityGitopsCard';
import { FakeGitopsApi } from '../../__testUtils__/FakeGitopsApi';
import { renderGitops } from '../../__testUtils__/renderGitops';
import { diffs, history, makeApp } from '../../__testUtils__/fixtures';

jest.setTimeout(30_000);

// In a file of its own: permission results are cached per entity for the whole module.
describe('a user who may not sync', () => {
  it('reads everything, with Sync, Sync this and Rollback disabled and explained', async () => {
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
      screen.getByRole('button', {
        name: 'Sync payments (default) to remove the drift of Deployment payments/payments',
      }),
    ).toBeDisabled();
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
});
