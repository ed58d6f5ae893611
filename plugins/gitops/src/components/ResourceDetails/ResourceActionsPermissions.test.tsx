import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { EntityGitopsContent } from '../EntityGitopsContent';
import { renderGitops } from '../../__testUtils__/renderGitops';
import { detailsApi } from '../../__testUtils__/resourceDetails';

jest.setTimeout(30_000);

// In a file of its own: permission results are cached per entity for the whole module.
describe('resource details for a user who may not sync', () => {
  it('shows manifests and events but no Restart or Scale', async () => {
    const { api } = detailsApi();
    await renderGitops(<EntityGitopsContent />, { api, canSync: false });
    await userEvent.click(
      await screen.findByRole('button', {
        name: 'Details of Deployment payments/payments',
      }),
    );
    const drawer = await screen.findByRole('dialog', {
      name: 'Details of Deployment payments/payments',
    });
    expect(
      await within(drawer).findByRole('region', { name: 'Live manifest' }),
    ).toHaveTextContent('replicas: 5');
    expect(
      within(drawer).queryByRole('button', { name: /^Restart / }),
    ).not.toBeInTheDocument();
    expect(
      within(drawer).queryByRole('button', { name: /^Scale / }),
    ).not.toBeInTheDocument();
  });
});
