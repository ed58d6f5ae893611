import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { EntityGitopsCard } from './EntityGitopsCard';
import { EntityGitopsContent } from '../EntityGitopsContent';
import { FakeGitopsApi } from '../../__testUtils__/FakeGitopsApi';
import { renderGitops } from '../../__testUtils__/renderGitops';
import {
  history,
  makeApp,
  makeOperation,
  paymentsEntity,
  plainEntity,
  SYNCED_SHA,
} from '../../__testUtils__/fixtures';

jest.setTimeout(30_000);

function fakeWithHistory() {
  const app = makeApp();
  const api = new FakeGitopsApi([app]);
  api.runs[app.id] = history;
  return { api, app };
}

describe('EntityGitopsCard', () => {
  it('shows sync and health in words, the synced commit with its link, message and author, and time since the sync', async () => {
    const { api } = fakeWithHistory();
    await renderGitops(<EntityGitopsCard />, { api });

    expect(await screen.findByText('Synced')).toBeInTheDocument();
    expect(screen.getByText('Healthy')).toBeInTheDocument();
    expect(screen.getByLabelText('Sync: Synced')).toBeInTheDocument();
    expect(screen.getByLabelText('Health: Healthy')).toBeInTheDocument();

    const link = await screen.findByRole('link', { name: /Commit 3f2a9c1/ });
    expect(link).toHaveAttribute(
      'href',
      `https://git.example.com/acme/payments/commit/${SYNCED_SHA}`,
    );
    expect(
      screen.getByText(/Raise payments replicas to 3/),
    ).toBeInTheDocument();
    expect(screen.getByText(/by Ada Lovelace/)).toBeInTheDocument();
    expect(
      screen.getByRole('region', { name: 'Target default' }),
    ).toHaveTextContent('Last synced 9 minutes ago (guest)');
    expect(
      screen.getByRole('button', { name: 'Sync payments (default)' }),
    ).toBeEnabled();
  });

  it('shows each target of a multi-target component', async () => {
    const staging = makeApp({ id: 'staging', target: 'staging' });
    const prod = makeApp({
      id: 'prod',
      target: 'prod',
      status: { ...makeApp().status, sync: 'OutOfSync', health: 'Degraded' },
    });
    const api = new FakeGitopsApi([staging, prod]);
    await renderGitops(<EntityGitopsCard />, { api });

    const prodSection = await screen.findByRole('region', {
      name: 'Target prod',
    });
    expect(within(prodSection).getByText('OutOfSync')).toBeInTheDocument();
    expect(within(prodSection).getByText('Degraded')).toBeInTheDocument();
    const stagingSection = screen.getByRole('region', {
      name: 'Target staging',
    });
    expect(within(stagingSection).getByText('Synced')).toBeInTheDocument();
  });

  it('shows the running operation with its progress', async () => {
    const app = makeApp({
      status: {
        ...makeApp().status,
        health: 'Progressing',
        operation: makeOperation({ progress: { done: 2, total: 5 } }),
      },
    });
    const api = new FakeGitopsApi([app]);
    await renderGitops(<EntityGitopsCard />, { api });

    expect(
      await screen.findByText('Sync running, started by guest'),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('progressbar', {
        name: 'Sync progress: 2 of 5 objects',
      }),
    ).toHaveAttribute('aria-valuenow', '40');
    expect(
      screen.getByRole('button', { name: 'Sync payments (default)' }),
    ).toBeDisabled();
  });

  it('explains, and shows the annotations to add, for a component not onboarded, without calling the backend', async () => {
    const api = new FakeGitopsApi([]);
    await renderGitops(<EntityGitopsCard />, { api, entity: plainEntity });

    expect(
      await screen.findByText('Not deployed with Mooring yet'),
    ).toBeInTheDocument();
    const region = screen.getByRole('region', { name: 'Deploy with Mooring' });
    expect(region).toHaveTextContent('mooring.dev/cluster: dev');
    expect(region).toHaveTextContent('mooring.dev/path: deploy/ledger');
    expect(screen.getByRole('button', { name: /copy/i })).toBeInTheDocument();
    expect(api.calls).toEqual([]);
  });

  it('lists annotation errors in words', async () => {
    const api = new FakeGitopsApi([]);
    await renderGitops(<EntityGitopsCard />, {
      api,
      entity: {
        ...paymentsEntity,
        metadata: {
          ...paymentsEntity.metadata,
          annotations: {
            'mooring.dev/targets': 'staging,prod',
            'mooring.dev/cluster': 'dev',
            'mooring.dev/path.staging': 'deploy/staging',
            'mooring.dev/sync': 'sometimes',
            'mooring.dev/repo': 'https://git.example.com/acme/payments.git',
          },
        },
      },
    });

    expect(
      await screen.findByText('Mooring annotations need fixing'),
    ).toBeInTheDocument();
    const alert = screen.getByRole('alert');
    expect(alert).toHaveTextContent(/mooring.dev\/path.*prod/);
    expect(alert).toHaveTextContent(/mooring.dev\/sync.*sometimes/);
  });

  it('shows annotation errors that only the backend can find', async () => {
    const api = new FakeGitopsApi([]);
    api.annotationErrors = [
      {
        entityRef: 'component:default/payments',
        annotation: 'mooring.dev/cluster',
        message:
          "mooring.dev/cluster names 'moon', which is not in gitops.clusters; use one of: dev",
      },
    ];
    await renderGitops(<EntityGitopsCard />, { api });
    expect(
      await screen.findByText(/names 'moon', which is not in gitops.clusters/),
    ).toBeInTheDocument();
    expect(screen.queryByText('Waiting for Mooring')).not.toBeInTheDocument();
  });

  it('says when the backend is unreachable, and recovers on retry', async () => {
    const { api } = fakeWithHistory();
    api.listError = new TypeError('Failed to fetch');
    await renderGitops(<EntityGitopsCard />, { api });

    expect(
      await screen.findByText('Mooring backend unreachable'),
    ).toBeInTheDocument();
    expect(screen.getByText(/Failed to fetch/)).toBeInTheDocument();

    api.listError = undefined;
    await userEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(await screen.findByText('Synced')).toBeInTheDocument();
    expect(
      screen.queryByText('Mooring backend unreachable'),
    ).not.toBeInTheDocument();
  });

  it('says when the cluster cannot be reached', async () => {
    const app = makeApp({
      status: {
        ...makeApp().status,
        sync: 'Unknown',
        health: 'Unknown',
        message:
          'Cannot reach cluster dev at https://127.0.0.1:6443: connect ECONNREFUSED. Mooring retries every 3 minutes.',
      },
    });
    const api = new FakeGitopsApi([app]);
    await renderGitops(<EntityGitopsCard />, { api });

    expect(
      await screen.findByText(
        /Cannot reach cluster dev at https:\/\/127.0.0.1:6443/,
      ),
    ).toBeInTheDocument();
    expect(screen.getByLabelText('Sync: Unknown')).toBeInTheDocument();
    expect(screen.getByLabelText('Health: Unknown')).toBeInTheDocument();
  });

  it('waits clearly when Mooring has no application yet', async () => {
    const api = new FakeGitopsApi([]);
    await renderGitops(<EntityGitopsCard />, { api });
    expect(await screen.findByText('Waiting for Mooring')).toBeInTheDocument();
  });

  it('makes one applications request for a page showing both the card and the tab', async () => {
    const { api } = fakeWithHistory();
    await renderGitops(
      <>
        <EntityGitopsCard />
        <EntityGitopsContent />
      </>,
      { api },
    );
    expect((await screen.findAllByText('Synced')).length).toBeGreaterThan(1);
    expect(api.callsTo('getApplications')).toHaveLength(1);
    expect(api.callsTo('getHistory')).toHaveLength(1);
  });
});
