/*
 * Day two on the page: a Degraded workload's manifests, events and logs in the
 * resource details; a restart from the page whose new pods appear without a
 * reload (signals); the fleet page filtered to Degraded applications.
 */
import { expect, test } from '@playwright/test';
// eslint-disable-next-line no-restricted-imports
import path from 'path';
import {
  GUEST_NAME,
  SCREENSHOTS,
  SLOW,
  deploymentsPath,
  kubectl,
  open,
  signInAsGuest,
} from './support';

test.setTimeout(600_000);

test('the Degraded billing-worker shows its manifests, failed pulls and error log lines', async ({
  page,
}) => {
  await signInAsGuest(page);
  await open(page, deploymentsPath('billing-worker'));
  await page
    .getByRole('button', {
      name: 'Details of Deployment billing/billing-worker',
    })
    .click(SLOW);
  const details = page.getByRole('tablist', {
    name: /^Details of Deployment .*billing-worker/,
  });
  await expect(details).toBeVisible(SLOW);
  // Manifests: live and desired, side by side.
  await expect(
    page.getByRole('region', { name: /Live manifest/i }),
  ).toContainText('registry.example.com/billing-worker:fail', SLOW);
  await expect(
    page.getByRole('region', { name: /Desired manifest/i }),
  ).toContainText('registry.example.com/billing-worker:fail');

  // Events of the Deployment and its children: the failed pulls of its pods.
  await details.getByRole('tab', { name: 'Events' }).click();
  const events = page.getByRole('table', { name: 'Events' });
  await expect(events).toContainText('ScalingReplicaSet', SLOW);
  await expect(events).toContainText(/Failed|BackOff/);
  await expect(events).toContainText(/pull/i);

  // A pod's log: the error lines of the image that never pulls.
  await details.getByRole('tab', { name: 'Logs' }).click();
  const log = page.getByLabel(/^Log of /).first();
  await expect(log).toContainText(/error/i, SLOW);
  await page.screenshot({
    path: path.join(SCREENSHOTS, 'resource-details.png'),
  });
});

test('a restart of payments from the page rolls new pods, shown without a reload', async ({
  page,
}) => {
  await signInAsGuest(page);
  await open(page, deploymentsPath('payments'));
  const before = new Set(
    kubectl('dev', '-n', 'payments', 'get', 'rs', '-o', 'name')
      .split('\n')
      .filter(Boolean)
      .map(name => name.replace(/^replicaset\.apps\//, '')),
  );
  await page
    .getByRole('button', { name: 'Details of Deployment payments/payments' })
    .click(SLOW);
  await page
    .getByRole('button', { name: /^Restart Deployment .*payments/ })
    .click(SLOW);
  const dialog = page.getByRole('dialog').filter({ hasText: 'Restart' }).last();
  await dialog
    .getByRole('button', { name: /^Confirm: restart deployment/i })
    .click();

  // A new ReplicaSet, with new pods, made by the restart.
  let fresh = '';
  await expect(async () => {
    const now = kubectl('dev', '-n', 'payments', 'get', 'rs', '-o', 'name')
      .split('\n')
      .filter(Boolean)
      .map(name => name.replace(/^replicaset\.apps\//, ''));
    fresh = now.find(name => !before.has(name)) ?? '';
    expect(fresh).not.toBe('');
  }).toPass(SLOW);
  await page.getByRole('button', { name: 'Close details' }).click();
  // The resource tree shows it without a reload: open the Deployment's children.
  const show = page.getByRole('button', {
    name: /^Show the \d+ objects owned by Deployment payments$/,
  });
  await expect(show).toBeVisible(SLOW);
  await show.click();
  await expect(page.getByText(`payments/${fresh}`)).toBeVisible(SLOW);
  const showPods = page.getByRole('button', {
    name: new RegExp(`^Show the \\d+ objects owned by ReplicaSet ${fresh}$`),
  });
  await expect(showPods).toBeVisible(SLOW);
  await showPods.click();
  await expect(
    page.getByText(new RegExp(`^payments/${fresh}-[a-z0-9]{5}$`)).first(),
  ).toBeVisible(SLOW);
  // The restart is in the history as an operation by the guest.
  const run = page
    .getByRole('table', { name: 'Sync history' })
    .getByRole('row')
    .filter({ hasText: GUEST_NAME })
    .first();
  await expect(run).toBeVisible(SLOW);
  await run
    .getByRole('button', { name: /^Show the changes of the sync/ })
    .click();
  await expect(
    page.getByText(/Restarted Deployment payments/).first(),
  ).toBeVisible(SLOW);
});

test('the fleet page lists the applications and filters to Degraded ones', async ({
  page,
}) => {
  await signInAsGuest(page);
  await open(page, '/deployments');
  const table = page.getByRole('table', { name: 'Applications' });
  await expect(table).toContainText('payments', SLOW);
  await expect(table).toContainText('billing-worker');
  await page.getByLabel('Health', { exact: true }).click();
  await page.getByRole('option', { name: 'Degraded' }).click();
  await expect(table).toContainText('billing-worker', SLOW);
  await expect(table).not.toContainText('payments', SLOW);
  const link = table.getByRole('link', {
    name: /^Deployments of billing-worker/,
  });
  await expect(link).toBeVisible();
  await page.screenshot({ path: path.join(SCREENSHOTS, 'fleet-degraded.png') });
  await link.click();
  await expect(page).toHaveURL(
    /\/catalog\/default\/component\/billing-worker\/deployments/,
  );
});
