import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import type { Application } from '@mooring/plugin-gitops-common';
import { gitopsApiRef } from '../../api';
import { FakeGitopsApi } from '../../__testUtils__/FakeGitopsApi';
import { makeApp } from '../../__testUtils__/fixtures';
import { FakeSignalApi } from '../../__testUtils__/FakeSignalApi';
import { signalApiRef } from '@backstage/plugin-signals-react';
import { FleetPage } from './FleetPage';
import { sortApplications } from './sortApplications';

jest.setTimeout(30_000);

function app(
  name: string,
  health: Application['status']['health'] = 'Healthy',
  cluster = 'dev',
): Application {
  const base = makeApp();
  return makeApp({
    id: `component.default.${name}.default`,
    entityRef: `component:default/${name}`,
    owner: 'group:default/team-a',
    destination: { cluster, namespace: name },
    status: { ...base.status, health },
  });
}

function render(api: FakeGitopsApi, signals?: FakeSignalApi) {
  return renderInTestApp(
    <TestApiProvider
      apis={[
        [gitopsApiRef, api],
        ...(signals ? [[signalApiRef, signals] as const] : []),
      ]}
    >
      <FleetPage />
    </TestApiProvider>,
    { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
  );
}

const rowNames = () =>
  within(screen.getByRole('table', { name: 'Applications' }))
    .getAllByRole('link')
    .map(link => link.textContent);

describe('FleetPage', () => {
  it("lists the first page, each row linking to its component's Deployments tab", async () => {
    const api = new FakeGitopsApi([
      app('payments'),
      app('billing-worker', 'Degraded', 'prod'),
    ]);
    await render(api);
    const link = await screen.findByRole('link', {
      name: 'Deployments of payments (default)',
    });
    expect(link).toHaveAttribute(
      'href',
      '/catalog/default/component/payments/deployments',
    );
    const row = screen.getByTestId(
      'fleet-component.default.billing-worker.default',
    );
    expect(row).toHaveTextContent('billing-worker');
    expect(row).toHaveTextContent('team-a');
    expect(row).toHaveTextContent('prod');
    expect(row).toHaveTextContent('Degraded');
    // Worst health first by default.
    expect(rowNames()).toEqual(['billing-worker', 'payments']);
    expect(api.callsTo('listApplications')[0].args[0]).toEqual(
      expect.objectContaining({ limit: 50, cursor: undefined, health: '' }),
    );
  });

  it('filters on the server by health and free text, and clears the filters', async () => {
    const api = new FakeGitopsApi([
      app('payments'),
      app('billing-worker', 'Degraded'),
      app('ledger', 'Degraded'),
    ]);
    await render(api);
    await screen.findByRole('link', {
      name: 'Deployments of payments (default)',
    });

    await userEvent.click(screen.getByLabelText('Health'));
    await userEvent.click(
      await screen.findByRole('option', { name: 'Degraded' }),
    );
    await waitFor(() =>
      expect(rowNames()).toEqual(['billing-worker', 'ledger']),
    );
    expect(api.callsTo('listApplications').at(-1)!.args[0]).toEqual(
      expect.objectContaining({ health: 'Degraded' }),
    );

    await userEvent.type(screen.getByLabelText('Search'), 'ledg');
    await waitFor(() => expect(rowNames()).toEqual(['ledger']));
    expect(api.callsTo('listApplications').at(-1)!.args[0]).toEqual(
      expect.objectContaining({ health: 'Degraded', q: 'ledg' }),
    );

    await userEvent.type(screen.getByLabelText('Search'), 'zzz');
    expect(
      await screen.findByText('No application matches these filters.'),
    ).toBeInTheDocument();
    await userEvent.click(
      screen.getByRole('button', { name: 'Clear filters' }),
    );
    await waitFor(() => expect(rowNames()).toHaveLength(3));
  });

  it('pages through the server with its cursor, 50 at a time', async () => {
    const apps = Array.from({ length: 120 }, (_, i) =>
      app(`svc-${String(i).padStart(3, '0')}`),
    );
    const api = new FakeGitopsApi(apps);
    await render(api);
    await screen.findByRole('link', {
      name: 'Deployments of svc-000 (default)',
    });
    expect(rowNames()).toHaveLength(50);
    const previous = screen.getByRole('button', { name: 'Previous page' });
    const next = screen.getByRole('button', { name: 'Next page' });
    expect(previous).toBeDisabled();

    await userEvent.click(next);
    await screen.findByRole('link', {
      name: 'Deployments of svc-050 (default)',
    });
    expect(api.callsTo('listApplications').at(-1)!.args[0]).toEqual(
      expect.objectContaining({ cursor: '50', limit: 50 }),
    );
    await userEvent.click(next);
    await screen.findByRole('link', {
      name: 'Deployments of svc-100 (default)',
    });
    expect(rowNames()).toHaveLength(20);
    expect(screen.getByText(/Page 3 · 20 applications/)).toBeInTheDocument();
    expect(next).toBeDisabled();

    await userEvent.click(previous);
    await screen.findByRole('link', {
      name: 'Deployments of svc-050 (default)',
    });
    expect(api.callsTo('listApplications').at(-1)!.args[0]).toEqual(
      expect.objectContaining({ cursor: '50' }),
    );
  });

  it('sorts the page by a column, both ways', async () => {
    const api = new FakeGitopsApi([
      app('b-svc'),
      app('c-svc', 'Degraded'),
      app('a-svc'),
    ]);
    await render(api);
    await screen.findByRole('link', { name: 'Deployments of a-svc (default)' });
    await userEvent.click(screen.getByRole('button', { name: 'Component' }));
    expect(rowNames()).toEqual(['a-svc', 'b-svc', 'c-svc']);
    await userEvent.click(screen.getByRole('button', { name: 'Component' }));
    expect(rowNames()).toEqual(['c-svc', 'b-svc', 'a-svc']);
  });

  it('fetches the page again when a signal names one of its applications', async () => {
    const api = new FakeGitopsApi([app('payments'), app('ledger')]);
    const signals = new FakeSignalApi();
    await render(api, signals);
    const row = await screen.findByTestId(
      'fleet-component.default.payments.default',
    );
    expect(row).toHaveTextContent('Healthy');
    const calls = api.callsTo('listApplications').length;

    await act(async () => {
      signals.publish('gitops', {
        applicationId: 'component.default.elsewhere.default',
      });
    });
    expect(api.callsTo('listApplications')).toHaveLength(calls);

    api.apps[0].status.health = 'Degraded';
    await act(async () => {
      signals.publish('gitops', {
        applicationId: 'component.default.payments.default',
      });
    });
    await waitFor(() =>
      expect(
        screen.getByTestId('fleet-component.default.payments.default'),
      ).toHaveTextContent('Degraded'),
    );
    expect(api.callsTo('listApplications')).toHaveLength(calls + 1);
  });

  it('explains a failed listing and retries it', async () => {
    const api = new FakeGitopsApi([app('payments')]);
    api.listError = new TypeError('Failed to fetch');
    await render(api);
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Mooring backend unreachable');
    api.listError = undefined;
    await userEvent.click(within(alert).getByRole('button', { name: 'Retry' }));
    expect(
      await screen.findByRole('link', {
        name: 'Deployments of payments (default)',
      }),
    ).toBeInTheDocument();
  });
});

describe('sortApplications', () => {
  it('puts the worst health and sync first ascending, and keeps ties in server order', () => {
    const apps = [
      app('a', 'Healthy'),
      app('b', 'Progressing'),
      app('c', 'Degraded'),
      app('d', 'Healthy'),
    ];
    expect(
      sortApplications(apps, { column: 'health', direction: 'asc' }).map(
        a => a.destination.namespace,
      ),
    ).toEqual(['c', 'b', 'a', 'd']);
    expect(
      sortApplications(apps, { column: 'health', direction: 'desc' }).map(
        a => a.destination.namespace,
      ),
    ).toEqual(['a', 'd', 'b', 'c']);
  });
});
