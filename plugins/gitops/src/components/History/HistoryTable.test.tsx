import { screen, within, waitFor } from '@testing-library/react';
import type { Entity } from '@backstage/catalog-model';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import { HistoryTable } from './HistoryTable';
import { FakeGitopsApi } from '../../__testUtils__/FakeGitopsApi';
import { renderGitops } from '../../__testUtils__/renderGitops';
import { makeApp, makeRun, OLD_SHA } from '../../__testUtils__/fixtures';

jest.setTimeout(60_000);

function user(name: string, email: string): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'User',
    metadata: { name, namespace: 'default' },
    spec: { profile: { email } },
  };
}

const allowed = { loading: false, allowed: true };

/** Runs by Ada (a catalog user), a stranger, a shared address, and automation. */
function runs() {
  return [
    makeRun({
      id: 'run-4',
      commit: {
        ...makeRun().commit,
        author: 'Ada Lovelace <Ada@Example.com>',
      },
      initiatedBy: 'user:default/grace',
    }),
    makeRun({
      id: 'run-3',
      commit: {
        ...makeRun().commit,
        author: 'Someone <someone@elsewhere.example>',
      },
      initiatedBy: 'self-heal',
    }),
    makeRun({
      id: 'run-2',
      commit: {
        ...makeRun().commit,
        author: 'Twin <twin@example.com>',
      },
      initiatedBy: 'webhook',
    }),
    makeRun({
      id: 'run-1',
      revision: OLD_SHA,
      commit: {
        ...makeRun().commit,
        sha: OLD_SHA,
        author: 'Ada Lovelace <ada@example.com>',
      },
      initiatedBy: 'auto',
    }),
  ];
}

function catalog() {
  const catalogApi = catalogApiMock({
    entities: [
      user('ada', 'ada@example.com'),
      user('grace', 'grace@example.com'),
      user('twin-a', 'twin@example.com'),
      user('twin-b', 'twin@example.com'),
    ],
  });
  jest.spyOn(catalogApi, 'getEntities');
  return catalogApi;
}

describe('HistoryTable', () => {
  it('links the person who synced and the author matched by email to their catalog users, and keeps the rest as text', async () => {
    const app = makeApp();
    const api = new FakeGitopsApi([app]);
    api.runs[app.id] = runs();
    const catalogApi = catalog();
    await renderGitops(<HistoryTable app={app} permission={allowed} />, {
      api,
      catalogApi,
    });

    const table = await screen.findByRole('table', { name: 'Sync history' });
    const latest = within(table).getByTestId('history-run-run-4');
    const ada = await within(latest).findByRole('link', {
      name: 'Ada Lovelace',
    });
    expect(ada).toHaveAttribute('href', '/catalog/default/user/ada');
    expect(within(latest).getByRole('link', { name: /grace/ })).toHaveAttribute(
      'href',
      '/catalog/default/user/grace',
    );
    // The same author on another run, the address in other letter case.
    expect(
      within(within(table).getByTestId('history-run-run-1')).getByRole('link', {
        name: 'Ada Lovelace',
      }),
    ).toHaveAttribute('href', '/catalog/default/user/ada');

    // No user has the address; two users have the other: plain text both.
    const stranger = within(table).getByTestId('history-run-run-3');
    expect(
      within(stranger).getByText('Someone <someone@elsewhere.example>'),
    ).toBeInTheDocument();
    expect(
      within(stranger).queryByRole('link', { name: /Someone/ }),
    ).toBeNull();
    const twin = within(table).getByTestId('history-run-run-2');
    expect(
      within(twin).getByText('Twin <twin@example.com>'),
    ).toBeInTheDocument();
    expect(within(twin).queryByRole('link', { name: /Twin/ })).toBeNull();

    // Automation stays words.
    expect(within(stranger).getByText('Self-heal')).toBeInTheDocument();
    expect(within(twin).getByText('Webhook')).toBeInTheDocument();
    expect(
      within(within(table).getByTestId('history-run-run-1')).getByText(
        'Auto-sync',
      ),
    ).toBeInTheDocument();

    // One query for the page, by address, not the whole catalog.
    expect(catalogApi.getEntities).toHaveBeenCalledTimes(1);
    expect(catalogApi.getEntities).toHaveBeenCalledWith(
      expect.objectContaining({
        filter: {
          kind: 'user',
          'spec.profile.email': [
            'ada@example.com',
            'someone@elsewhere.example',
            'twin@example.com',
          ],
        },
      }),
    );
  });

  it('shows authors as text when the catalog cannot be asked', async () => {
    const app = makeApp();
    const api = new FakeGitopsApi([app]);
    api.runs[app.id] = runs();
    const catalogApi = catalog();
    (catalogApi.getEntities as jest.Mock).mockRejectedValue(
      new Error('catalog down'),
    );
    await renderGitops(<HistoryTable app={app} permission={allowed} />, {
      api,
      catalogApi,
    });
    const latest = await screen.findByTestId('history-run-run-4');
    await waitFor(() => expect(catalogApi.getEntities).toHaveBeenCalled());
    expect(
      within(latest).getByText('Ada Lovelace <Ada@Example.com>'),
    ).toBeInTheDocument();
    // The initiator needs no look-up: still a link.
    expect(within(latest).getByRole('link', { name: /grace/ })).toHaveAttribute(
      'href',
      '/catalog/default/user/grace',
    );
  });
});
