import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { Automation } from '@mooring/plugin-gitops-common';
import { EntityGitopsCard } from '../EntityGitopsCard';
import { EntityGitopsContent } from '../EntityGitopsContent';
import { FakeGitopsApi } from '../../__testUtils__/FakeGitopsApi';
import { renderGitops } from '../../__testUtils__/renderGitops';
import { history, makeApp, OLD_SHA } from '../../__testUtils__/fixtures';

jest.setTimeout(30_000);

const WINDOW = "deny window 'freeze' (0 22 * * *, 8h) until 06:00 UTC";

/** payments, auto-synced and self-healed, with the given automation state. */
function autoApp(automation?: Automation) {
  const app = makeApp({
    policy: { sync: 'auto', prune: true, selfHeal: true },
    status: { ...makeApp().status, automation },
  });
  const api = new FakeGitopsApi([app]);
  api.runs[app.id] = history;
  return { app, api };
}

function target() {
  return screen.findByRole('region', { name: 'Target default' });
}

describe('automation on the card', () => {
  it('suspends with a reason asked in a dialog, then shows who suspended it, when and why', async () => {
    const { app, api } = autoApp();
    await renderGitops(<EntityGitopsCard />, { api });

    await userEvent.click(
      within(await target()).getByRole('button', {
        name: 'Suspend automation of payments (default)',
      }),
    );
    const dialog = await screen.findByRole('dialog');
    expect(dialog).toHaveTextContent(
      'Mooring stops applying new commits and reverting live edits for payments (default)',
    );
    const confirm = within(dialog).getByRole('button', {
      name: 'Confirm suspension of payments (default)',
    });
    expect(confirm).toBeDisabled();
    await userEvent.type(
      within(dialog).getByLabelText(/Reason/),
      '  Incident 4711 ',
    );
    await userEvent.click(confirm);

    expect(api.callsTo('suspend')).toEqual([
      { method: 'suspend', args: [app.id, 'Incident 4711'] },
    ]);
    await waitFor(() =>
      expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
    );
    const section = await target();
    await waitFor(() =>
      expect(section).toHaveTextContent(
        'Automation suspended by guest just now: Incident 4711',
      ),
    );
    // Suspended already: only Resume is offered.
    expect(
      within(section).queryByRole('button', { name: /^Suspend automation/ }),
    ).not.toBeInTheDocument();
    expect(
      within(section).getByRole('button', {
        name: 'Resume automation of payments (default)',
      }),
    ).toHaveTextContent(/^Resume$/);
  });

  it('resumes a suspended application', async () => {
    const { app, api } = autoApp({
      suspended: true,
      reason: 'Load test until Friday',
      by: 'user:default/ada',
      at: new Date(Date.now() - 5 * 60_000).toISOString(),
    });
    await renderGitops(<EntityGitopsCard />, { api });

    const section = await target();
    expect(section).toHaveTextContent(
      'Automation suspended by ada 5 minutes ago: Load test until Friday',
    );
    await userEvent.click(
      within(section).getByRole('button', {
        name: 'Resume automation of payments (default)',
      }),
    );
    expect(api.callsTo('resume')).toEqual([
      { method: 'resume', args: [app.id] },
    ]);
    await waitFor(() =>
      expect(section).not.toHaveTextContent('Automation suspended'),
    );
    expect(
      within(section).getByRole('button', {
        name: 'Suspend automation of payments (default)',
      }),
    ).toBeEnabled();
  });

  it('keeps the suspension when the API refuses it, and says why in the dialog', async () => {
    const { api } = autoApp();
    api.suspend = async () => {
      throw new TypeError('Failed to fetch');
    };
    await renderGitops(<EntityGitopsCard />, { api });
    await userEvent.click(
      within(await target()).getByRole('button', {
        name: 'Suspend automation of payments (default)',
      }),
    );
    const dialog = await screen.findByRole('dialog');
    await userEvent.type(within(dialog).getByLabelText(/Reason/), 'Freeze');
    await userEvent.click(
      within(dialog).getByRole('button', {
        name: 'Confirm suspension of payments (default)',
      }),
    );
    expect(
      await within(dialog).findByText('Mooring backend unreachable'),
    ).toBeInTheDocument();
    expect(
      within(dialog).getByRole('button', {
        name: 'Confirm suspension of payments (default)',
      }),
    ).toBeEnabled();
  });

  it('offers no Suspend for an application with nothing automatic', async () => {
    const api = new FakeGitopsApi([makeApp()]);
    await renderGitops(<EntityGitopsCard />, { api });
    const section = await target();
    expect(
      within(section).getByRole('button', { name: 'Sync payments (default)' }),
    ).toBeEnabled();
    expect(
      within(section).queryByRole('button', { name: /^Suspend automation/ }),
    ).not.toBeInTheDocument();
  });

  it('shows a rollback pin on the card and the Deployments tab, and resumes automation from it', async () => {
    const { app, api } = autoApp({
      suspended: false,
      pinnedRevision: OLD_SHA,
      pinnedBy: 'user:default/grace',
      at: new Date().toISOString(),
    });
    await renderGitops(
      <>
        <EntityGitopsCard />
        <EntityGitopsContent />
      </>,
      { api },
    );

    const text =
      'Pinned at 9b8a7c6 after a rollback by grace; automation leaves newer commits alone';
    await waitFor(() =>
      expect(screen.getAllByText(/^Pinned at/)).toHaveLength(2),
    );
    for (const section of screen.getAllByRole('region', {
      name: 'Target default',
    })) {
      expect(section).toHaveTextContent(text);
    }
    const [resume] = screen.getAllByRole('button', {
      name: 'Resume automation of payments (default)',
    });
    expect(resume).toHaveTextContent(/^Resume automation$/);
    await userEvent.click(resume);
    expect(api.callsTo('resume')).toEqual([
      { method: 'resume', args: [app.id] },
    ]);
    await waitFor(() =>
      expect(screen.queryByText(/^Pinned at/)).not.toBeInTheDocument(),
    );
  });

  it('says why a sync window holds automation, and leaves Sync enabled when manual syncs may run', async () => {
    const { api } = autoApp({ suspended: false, window: WINDOW });
    await renderGitops(<EntityGitopsCard />, { api });
    const section = await target();
    expect(section).toHaveTextContent(`Automation waits: ${WINDOW}`);
    expect(section).not.toHaveTextContent('Manual syncs wait too.');
    expect(
      within(section).getByRole('button', { name: 'Sync payments (default)' }),
    ).toBeEnabled();
  });

  it('disables Sync, Sync this and Rollback with the window as the reason when it refuses manual syncs', async () => {
    const { app, api } = autoApp({
      suspended: false,
      window: WINDOW,
      manualSyncBlocked: true,
    });
    api.apps[0].status.sync = 'OutOfSync';
    api.diffs[app.id] = [
      {
        group: 'apps',
        kind: 'Deployment',
        namespace: 'payments',
        name: 'payments',
        diff: '--- live\n+++ desired\n@@ -1 +1 @@\n-  replicas: 5\n+  replicas: 3',
      },
    ];
    await renderGitops(<EntityGitopsContent />, { api });

    const section = await target();
    expect(section).toHaveTextContent('Manual syncs wait too.');
    const sync = within(section).getByRole('button', {
      name: 'Sync payments (default)',
    });
    expect(sync).toBeDisabled();
    await userEvent.hover(sync.parentElement!);
    expect(
      await screen.findByRole('tooltip', {
        name: `A sync window refuses manual syncs now: ${WINDOW}`,
      }),
    ).toBeInTheDocument();
    expect(
      await screen.findByRole('button', {
        name: 'Sync only Deployment payments/payments of payments (default)',
      }),
    ).toBeDisabled();
    const run = await screen.findByTestId('history-run-run-1');
    expect(
      within(run).getByRole('button', { name: /Roll back/ }),
    ).toBeDisabled();
  });
});
