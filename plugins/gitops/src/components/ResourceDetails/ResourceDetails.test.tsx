import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { EntityGitopsContent } from '../EntityGitopsContent';
import { renderGitops } from '../../__testUtils__/renderGitops';
import { detailsApi } from '../../__testUtils__/resourceDetails';

jest.setTimeout(30_000);

async function openDetails(name: string) {
  await userEvent.click(
    await screen.findByRole('button', { name: `Details of ${name}` }),
  );
  return screen.findByRole('dialog', { name: `Details of ${name}` });
}

async function showChildren() {
  await userEvent.click(
    await screen.findByRole('button', {
      name: 'Show the 1 objects owned by Deployment payments',
    }),
  );
  await userEvent.click(
    await screen.findByRole('button', {
      name: 'Show the 1 objects owned by ReplicaSet payments-7d9f8',
    }),
  );
}

describe('resource details', () => {
  it('shows live and desired manifests side by side, managedFields folded until asked', async () => {
    const { api, app } = detailsApi();
    await renderGitops(<EntityGitopsContent />, { api });
    const drawer = await openDetails('Deployment payments/payments');

    const live = await within(drawer).findByRole('region', {
      name: 'Live manifest',
    });
    const desired = within(drawer).getByRole('region', {
      name: 'Desired manifest',
    });
    expect(live).toHaveTextContent('replicas: 5');
    expect(live).toHaveTextContent('managedFields: … # 2 lines folded');
    expect(live).not.toHaveTextContent('manager: mooring');
    expect(desired).toHaveTextContent('replicas: 3');
    expect(api.callsTo('getManifests')[0].args).toEqual([
      app.id,
      {
        group: 'apps',
        version: 'v1',
        kind: 'Deployment',
        namespace: 'payments',
        name: 'payments',
      },
    ]);

    await userEvent.click(
      within(drawer).getByRole('checkbox', { name: 'Fold managedFields' }),
    );
    expect(live).toHaveTextContent('manager: mooring');

    await userEvent.click(
      within(drawer).getByRole('button', { name: 'Close details' }),
    );
    await waitFor(() =>
      expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
    );
  });

  it("says when an object is not in Git, for a Pod's desired manifest", async () => {
    const { api } = detailsApi();
    await renderGitops(<EntityGitopsContent />, { api });
    await showChildren();
    const drawer = await openDetails('Pod payments/payments-7d9f8-abcde');
    expect(
      await within(drawer).findByRole('region', { name: 'Desired manifest' }),
    ).toHaveTextContent('Not in Git: its owner creates it in the cluster.');
  });

  it('lists the events of the object and its children, newest first, warnings included', async () => {
    const { api } = detailsApi();
    await renderGitops(<EntityGitopsContent />, { api });
    const drawer = await openDetails('Deployment payments/payments');
    await userEvent.click(within(drawer).getByRole('tab', { name: 'Events' }));
    const table = await within(drawer).findByRole('table', { name: 'Events' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map(r => r.textContent)).toEqual([
      'WarningBackOffPod/payments-7d9f8-abcdeBack-off restarting failed container app122 minutes ago',
      'NormalScalingReplicaSetDeployment/paymentsScaled up replica set payments-7d9f8 to 311 hour ago',
    ]);
  });

  it('shows an error with Retry when the manifests cannot be read', async () => {
    const { api } = detailsApi();
    await renderGitops(<EntityGitopsContent />, { api });
    const drawer = await openDetails('Service payments/payments');
    delete api.manifests['Service/payments/payments'];
    // Reopened on an object the fake does not know: the 404 is explained.
    await userEvent.click(
      within(drawer).getByRole('button', { name: 'Close details' }),
    );
    const again = await openDetails('Service payments/payments');
    const alert = await within(again).findByRole('alert');
    expect(alert).toHaveTextContent(/No object Service\/payments\/payments/);
    api.manifests['Service/payments/payments'] = {
      live: 'kind: Service\nspec:\n  type: ClusterIP\n',
      desired: 'kind: Service\n',
    };
    await userEvent.click(within(alert).getByRole('button', { name: 'Retry' }));
    expect(
      await within(again).findByRole('region', { name: 'Live manifest' }),
    ).toHaveTextContent('type: ClusterIP');
  });

  it("reads a Deployment's pod logs per container with the chosen tail, and follows them every 2 s", async () => {
    const { api } = detailsApi();
    await renderGitops(<EntityGitopsContent />, { api });
    const drawer = await openDetails('Deployment payments/payments');
    await userEvent.click(within(drawer).getByRole('tab', { name: 'Logs' }));

    const log = await within(drawer).findByLabelText('Log of app');
    expect(log).toHaveTextContent(/^app line 101 .*app line 200$/);
    expect(api.callsTo('getLogs').at(-1)!.args[1]).toEqual({
      namespace: 'payments',
      pod: 'payments-7d9f8-abcde',
      container: 'app',
      tailLines: 100,
    });

    await userEvent.click(within(drawer).getByLabelText('Last lines'));
    await userEvent.click(await screen.findByRole('option', { name: '50' }));
    await waitFor(() =>
      expect(within(drawer).getByLabelText('Log of app')).toHaveTextContent(
        /^app line 151 /,
      ),
    );

    await userEvent.click(within(drawer).getByLabelText('Container'));
    expect(
      (await screen.findAllByRole('option')).map(o => o.textContent),
    ).toEqual(['app', 'proxy', 'migrate']);
    await userEvent.click(screen.getByRole('option', { name: 'proxy' }));
    expect(
      await within(drawer).findByLabelText('Log of proxy'),
    ).toHaveTextContent('proxy ready');

    jest.useFakeTimers({ advanceTimers: true });
    try {
      const before = api.callsTo('getLogs').length;
      await userEvent.click(
        within(drawer).getByRole('checkbox', { name: 'Follow' }),
      );
      api.logs['payments-7d9f8-abcde/proxy'] = 'proxy ready\nrequest served\n';
      await act(() => jest.advanceTimersByTimeAsync(2_000));
      await waitFor(() =>
        expect(within(drawer).getByLabelText('Log of proxy')).toHaveTextContent(
          'request served',
        ),
      );
      expect(api.callsTo('getLogs').length).toBe(before + 1);
      await userEvent.click(
        within(drawer).getByRole('checkbox', { name: 'Follow' }),
      );
      await act(() => jest.advanceTimersByTimeAsync(6_000));
      expect(api.callsTo('getLogs').length).toBe(before + 1);
    } finally {
      jest.useRealTimers();
    }
  });

  it('offers no Logs for a Service', async () => {
    const { api } = detailsApi();
    await renderGitops(<EntityGitopsContent />, { api });
    const drawer = await openDetails('Service payments/payments');
    expect(
      within(drawer).getByRole('tab', { name: 'Events' }),
    ).toBeInTheDocument();
    expect(
      within(drawer).queryByRole('tab', { name: 'Logs' }),
    ).not.toBeInTheDocument();
    expect(
      within(drawer).queryByRole('button', { name: /^Restart/ }),
    ).not.toBeInTheDocument();
  });
});
