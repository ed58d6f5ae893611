import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { EntityGitopsCard } from './EntityGitopsCard';
import { EntityGitopsContent } from '../EntityGitopsContent';
import { FakeGitopsApi } from '../../__testUtils__/FakeGitopsApi';
import { FakeSignalApi } from '../../__testUtils__/FakeSignalApi';
import { renderGitops } from '../../__testUtils__/renderGitops';
import { makeApp, resources } from '../../__testUtils__/fixtures';

jest.setTimeout(30_000);

describe('live updates through signals', () => {
  it('refreshes the card and the tab at once when the gitops channel names their application', async () => {
    const app = makeApp();
    const api = new FakeGitopsApi([app]);
    api.resources[app.id] = resources.filter(r => r.kind !== 'Pod');
    const signals = new FakeSignalApi();
    await renderGitops(
      <>
        <EntityGitopsCard />
        <EntityGitopsContent />
      </>,
      { api, signalApi: signals },
    );
    await waitFor(() =>
      expect(
        screen.getAllByRole('region', { name: 'Target default' }),
      ).toHaveLength(2),
    );
    expect(signals.subscriberCount('gitops')).toBeGreaterThan(0);
    await screen.findByTestId('resource-Deployment/payments/payments');
    const listsBefore = api.callsTo('getApplications').length;

    // The application degrades: nothing polls in this time.
    api.apps[0].status.health = 'Degraded';
    await act(async () => {
      signals.publish('gitops', { applicationId: 'component.default.other.x' });
      signals.publish('gitops', { applicationId: app.id });
    });
    await waitFor(() => {
      for (const section of screen.getAllByRole('region', {
        name: 'Target default',
      })) {
        expect(within(section).getByText('Degraded')).toBeInTheDocument();
      }
    });
    expect(api.callsTo('getApplications').length).toBe(listsBefore + 1);

    // A restart adds a pod but leaves the status as it was: the tree still refetches.
    await userEvent.click(
      screen.getByRole('button', {
        name: 'Show the 1 objects owned by Deployment payments',
      }),
    );
    expect(
      screen.queryByRole('button', {
        name: 'Show the 1 objects owned by ReplicaSet payments-7d9f8',
      }),
    ).not.toBeInTheDocument();
    api.resources[app.id] = resources;
    await act(async () => {
      signals.publish('gitops', { applicationId: app.id });
    });
    expect(
      await screen.findByRole('button', {
        name: 'Show the 1 objects owned by ReplicaSet payments-7d9f8',
      }),
    ).toBeInTheDocument();
  });
});
