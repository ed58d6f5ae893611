/*
 * End-to-end: people steer automation from the component page. Suspending an
 * application with a reason shows on its card (and survives a reload) until it is
 * resumed; a deny sync window says on the card why automation waits; a sync held by
 * its PreSync hook is stopped with Terminate in the operation progress and recorded as
 * Failed, naming who stopped it. Runs against the dev command's app (kube-sim clusters
 * and the example repositories); every test puts back what it changed.
 */
import { test, expect } from '@playwright/test';
// eslint-disable-next-line no-restricted-imports
import path from 'path';
import {
  componentPath,
  deploymentsPath,
  exampleHead,
  firstTarget,
  gitopsCard,
  GUEST_NAME,
  kubectl,
  open,
  pushToExample,
  refresh,
  resetExample,
  resumeIfSuspended,
  SCREENSHOTS,
  signInAsGuest,
  SLOW,
} from './support';

test.setTimeout(600_000);

const shortSha = (sha: string) => sha.slice(0, 7);

test('automation of payments is suspended from the page with a reason, shown on the card, and resumed', async ({
  page,
}) => {
  const reason = `End-to-end test: load test of payments at ${new Date().toISOString()}`;
  await signInAsGuest(page);
  try {
    await open(page, componentPath('payments'));
    const target = firstTarget(gitopsCard(page));
    await expect(target.getByLabel(/^Sync: /)).toBeVisible(SLOW);

    await target
      .getByRole('button', { name: 'Suspend automation of payments (default)' })
      .click();
    const dialog = page.getByRole('dialog');
    await expect(dialog).toContainText('Suspend automation of payments');
    await dialog.getByLabel(/Reason/).fill(reason);
    await dialog
      .getByRole('button', { name: 'Confirm suspension of payments (default)' })
      .click();
    await expect(dialog).toBeHidden(SLOW);

    const said = `Automation suspended by ${GUEST_NAME}`;
    await expect(target).toContainText(said, SLOW);
    await expect(target).toContainText(reason);
    await expect(
      target.getByRole('button', { name: /^Suspend automation/ }),
    ).toBeHidden();
    await gitopsCard(page).screenshot({
      path: path.join(SCREENSHOTS, 'card-suspended.png'),
    });

    // Kept by the backend, not by the page.
    await page.reload();
    const reloaded = firstTarget(gitopsCard(page));
    await expect(reloaded).toContainText(said, SLOW);
    await expect(reloaded).toContainText(reason);

    await reloaded
      .getByRole('button', { name: 'Resume automation of payments (default)' })
      .click();
    await expect(reloaded).not.toContainText('Automation suspended', SLOW);
    await expect(
      reloaded.getByRole('button', {
        name: 'Suspend automation of payments (default)',
      }),
    ).toBeVisible();
  } finally {
    await resumeIfSuspended(page, 'payments');
  }
});

test('a deny sync window says on the ledger card why automation waits', async ({
  page,
}) => {
  // app-config.dev.yaml: a deny window over the ledger that always applies.
  await signInAsGuest(page);
  await open(page, componentPath('ledger'));
  const target = firstTarget(gitopsCard(page));
  await expect(target).toContainText(/Automation waits: .*deny/i, SLOW);
  await gitopsCard(page).screenshot({
    path: path.join(SCREENSHOTS, 'card-sync-window.png'),
  });
});

test('a sync of orders held by its PreSync hook is terminated from the operation progress', async ({
  page,
}) => {
  const original = exampleHead('orders');
  await signInAsGuest(page);
  try {
    await open(page, deploymentsPath('orders'));
    const target = firstTarget(page);
    await expect(target.getByLabel('Sync: Synced')).toBeVisible(SLOW);
    await expect(target.getByLabel('Health: Healthy')).toBeVisible(SLOW);

    // Auto-sync would start the new commit on its own: hold it while we sync by hand.
    await target
      .getByRole('button', { name: 'Suspend automation of orders (default)' })
      .click();
    const suspend = page.getByRole('dialog');
    await suspend
      .getByLabel(/Reason/)
      .fill('End-to-end test: terminating a sync of orders');
    await suspend
      .getByRole('button', { name: 'Confirm suspension of orders (default)' })
      .click();
    await expect(target).toContainText('Automation suspended', SLOW);

    // A commit whose PreSync migration Job is held (suspend: true): the sync waits on it.
    const held = pushToExample(
      'orders',
      'migrate-job.yaml',
      text =>
        text
          .replace(/^spec:\n/m, 'spec:\n  suspend: true\n')
          .replace("command: ['sleep', '3']", "command: ['sleep', '3600']"),
      'orders: hold the migration (end-to-end test of Terminate)',
    );
    await refresh(target, 'orders');
    await expect(target).toContainText(`Git is at ${shortSha(held)}`, SLOW);

    await target.getByRole('button', { name: /^Sync orders \(/ }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Preview changes' }).click();
    const confirm = dialog.getByRole('button', {
      name: 'Confirm sync of orders (default)',
    });
    await expect(confirm).toBeEnabled(SLOW);
    await confirm.click();

    await expect(dialog.getByLabel('Result: Running')).toBeVisible(SLOW);
    await expect(dialog).toContainText(/Waiting for .*PreSync/, SLOW);
    const steps = dialog.getByRole('table', { name: 'Sync steps' });
    await expect(steps.getByRole('row', { name: /PreSync/ })).toBeVisible(SLOW);
    await dialog.screenshot({
      path: path.join(SCREENSHOTS, 'sync-waiting-for-hook.png'),
    });

    await dialog
      .getByRole('button', { name: 'Terminate the sync of orders (default)' })
      .click();
    await expect(dialog.getByLabel('Result: Failed')).toBeVisible(SLOW);
    await expect(dialog).toContainText(/Terminated by/);
    await expect(dialog).toContainText(GUEST_NAME);
    await expect(
      dialog.getByRole('button', { name: /^Terminate/ }),
    ).toBeHidden();
    await dialog.screenshot({
      path: path.join(SCREENSHOTS, 'sync-terminated.png'),
    });
    await dialog.getByRole('button', { name: 'Close' }).click();

    const newest = page
      .getByRole('table', { name: 'Sync history' })
      .getByRole('row')
      .nth(1);
    await expect(newest.getByLabel('Result: Failed')).toBeVisible(SLOW);
    await expect(newest).toContainText(GUEST_NAME);
  } finally {
    // Git back where it was, the held Job gone, automation on again.
    resetExample('orders', original);
    const jobs = JSON.parse(
      kubectl('dev', '-n', 'orders', 'get', 'jobs', '-o', 'json'),
    );
    for (const job of jobs.items ?? []) {
      if (job.spec?.suspend) {
        kubectl(
          'dev',
          '-n',
          'orders',
          'delete',
          'job',
          job.metadata.name,
          '--wait=false',
        );
      }
    }
    await open(page, deploymentsPath('orders'));
    await refresh(firstTarget(page), 'orders');
    await resumeIfSuspended(page, 'orders');
  }
  await open(page, deploymentsPath('orders'));
  await expect(firstTarget(page).getByLabel('Sync: Synced')).toBeVisible(SLOW);
});
