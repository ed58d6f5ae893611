import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { EntityGitopsContent } from '../EntityGitopsContent';
import { renderGitops } from '../../__testUtils__/renderGitops';
import { detailsApi } from '../../__testUtils__/resourceDetails';

jest.setTimeout(30_000);

const deployment = {
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  namespace: 'payments',
  name: 'payments',
};

async function openDeployment() {
  await userEvent.click(
    await screen.findByRole('button', {
      name: 'Details of Deployment payments/payments',
    }),
  );
  const drawer = await screen.findByRole('dialog', {
    name: 'Details of Deployment payments/payments',
  });
  // Actions read spec.replicas from the manifests: wait for them.
  await within(drawer).findByRole('region', { name: 'Live manifest' });
  return drawer;
}

describe('actions in the resource details', () => {
  it('restarts a Deployment after confirming, and says so', async () => {
    const { api, app } = detailsApi();
    await renderGitops(<EntityGitopsContent />, { api });
    const drawer = await openDeployment();
    await userEvent.click(
      within(drawer).getByRole('button', {
        name: 'Restart Deployment payments/payments',
      }),
    );
    const dialog = await screen.findByRole('dialog', {
      name: 'Restart Deployment payments/payments',
    });
    expect(api.callsTo('runAction')).toEqual([]);
    await userEvent.click(
      within(dialog).getByRole('button', {
        name: 'Confirm: restart deployment payments/payments',
      }),
    );
    expect(api.callsTo('runAction')).toEqual([
      {
        method: 'runAction',
        args: [app.id, { action: 'restart', resource: deployment }],
      },
    ]);
    expect(await within(drawer).findByRole('status')).toHaveTextContent(
      'Restart of Deployment payments/payments requested',
    );
  });

  it('scales with the replicas asked for, warning that Git sets spec.replicas', async () => {
    const { api, app } = detailsApi();
    await renderGitops(<EntityGitopsContent />, { api });
    const drawer = await openDeployment();
    await userEvent.click(
      within(drawer).getByRole('button', {
        name: 'Scale Deployment payments/payments',
      }),
    );
    const dialog = await screen.findByRole('dialog', {
      name: 'Scale Deployment payments/payments',
    });
    expect(dialog).toHaveTextContent(
      'Git sets spec.replicas for this object (3): scaling is drift, and self-heal (if on) will set it back.',
    );
    const replicas = within(dialog).getByLabelText('Replicas');
    expect(replicas).toHaveValue(5);
    const confirm = within(dialog).getByRole('button', {
      name: 'Confirm: scale deployment payments/payments',
    });
    await userEvent.clear(replicas);
    expect(confirm).toBeDisabled();
    await userEvent.type(replicas, '1001');
    expect(confirm).toBeDisabled();
    expect(dialog).toHaveTextContent('A whole number from 0 to 1000.');
    await userEvent.clear(replicas);
    await userEvent.type(replicas, '2');
    await userEvent.click(confirm);
    expect(api.callsTo('runAction')).toEqual([
      {
        method: 'runAction',
        args: [app.id, { action: 'scale', resource: deployment, replicas: 2 }],
      },
    ]);
    expect(await within(drawer).findByRole('status')).toHaveTextContent(
      'Deployment payments/payments scaled to 2 replicas.',
    );
  });

  it('does not warn about drift when Git leaves spec.replicas alone', async () => {
    const { api } = detailsApi();
    api.manifests['Deployment/payments/payments'].desired =
      'kind: Deployment\nspec:\n  template: {}\n';
    await renderGitops(<EntityGitopsContent />, { api });
    const drawer = await openDeployment();
    await userEvent.click(
      within(drawer).getByRole('button', {
        name: 'Scale Deployment payments/payments',
      }),
    );
    const dialog = await screen.findByRole('dialog', {
      name: 'Scale Deployment payments/payments',
    });
    expect(dialog).not.toHaveTextContent('Git sets spec.replicas');
  });

  it('shows the backend refusal in the dialog and keeps it open', async () => {
    const { api } = detailsApi();
    await api.failActions(
      409,
      'ConflictError',
      'A sync of payments (default) is running; try again when it ends',
    );
    await renderGitops(<EntityGitopsContent />, { api });
    const drawer = await openDeployment();
    await userEvent.click(
      within(drawer).getByRole('button', {
        name: 'Restart Deployment payments/payments',
      }),
    );
    const dialog = await screen.findByRole('dialog', {
      name: 'Restart Deployment payments/payments',
    });
    await userEvent.click(
      within(dialog).getByRole('button', {
        name: 'Confirm: restart deployment payments/payments',
      }),
    );
    expect(await within(dialog).findByRole('alert')).toHaveTextContent(
      'A sync of payments (default) is running; try again when it ends',
    );
    await waitFor(() =>
      expect(
        within(dialog).getByRole('button', {
          name: 'Confirm: restart deployment payments/payments',
        }),
      ).toBeEnabled(),
    );
    expect(within(drawer).queryByRole('status')).not.toBeInTheDocument();
  });
});
