/*
 * End-to-end: a component page shows its deployment, notices live drift, and a Sync
 * started from the page repairs it and is recorded in the history under the guest's name.
 * Runs against the dev command's app (kube-sim clusters and the example repositories).
 */
import { test, expect } from '@playwright/test';
// eslint-disable-next-line no-restricted-imports
import path from 'path';
import {
  componentPath,
  deploymentsPath,
  firstTarget,
  gitopsCard,
  GUEST_NAME,
  kubectl,
  open,
  refresh,
  REPO_ROOT,
  signInAsGuest,
  SLOW,
} from './support';

// Names and paths; adjust here when the example changes.
// The example component built for drift: `payments` self-heals, which would revert the
// live edit before the page could show it.
const COMPONENT_NAME = 'inventory';
const NAMESPACE = 'inventory';
const DEPLOYMENT = 'inventory';
const DRIFT_REPLICAS = 5;
const SCREENSHOT_DIR = path.join(REPO_ROOT, 'docs/screenshots');
const CARD_SCREENSHOT = path.join(SCREENSHOT_DIR, 'card.png');
const DEPLOYMENTS_SCREENSHOT = path.join(SCREENSHOT_DIR, 'deployments.png');

test.setTimeout(600_000);

test('a drifted deployment is seen, synced back from the page, and recorded', async ({
  page,
}) => {
  await signInAsGuest(page);

  // The card on the overview tab: in sync and healthy.
  await open(page, componentPath(COMPONENT_NAME));
  const card = gitopsCard(page);
  const cardTarget = firstTarget(card);
  await expect(cardTarget.getByLabel('Sync: Synced')).toBeVisible(SLOW);
  await expect(cardTarget.getByLabel('Health: Healthy')).toBeVisible(SLOW);
  await card.screenshot({ path: CARD_SCREENSHOT });

  // Someone changes the live object by hand.
  kubectl(
    'dev',
    '-n',
    NAMESPACE,
    'scale',
    `deployment/${DEPLOYMENT}`,
    `--replicas=${DRIFT_REPLICAS}`,
  );

  // The Deployments tab shows the drift with its diff.
  await open(page, deploymentsPath(COMPONENT_NAME));
  const target = firstTarget(page);
  await expect(target).toBeVisible(SLOW);
  await refresh(target, COMPONENT_NAME);
  await expect(target.getByLabel('Sync: OutOfSync')).toBeVisible(SLOW);
  const drift = page.getByRole('region', {
    name: `Drift of Deployment ${NAMESPACE}/${DEPLOYMENT}`,
  });
  await expect(drift).toBeVisible(SLOW);
  await expect(drift).toContainText(`replicas: ${DRIFT_REPLICAS}`);
  await page.screenshot({ path: DEPLOYMENTS_SCREENSHOT, fullPage: true });

  // Sync, with the dry-run preview first.
  await target
    .getByRole('button', { name: new RegExp(`^Sync ${COMPONENT_NAME} \\(`) })
    .click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('button', { name: 'Preview changes' }).click();
  await expect(dialog).toContainText('to change', SLOW);
  await expect(
    dialog.getByText(`Deployment ${NAMESPACE}/${DEPLOYMENT}`),
  ).toBeVisible();
  await dialog.getByRole('button', { name: /^Confirm sync of / }).click();
  await expect(dialog.getByLabel('Result: Succeeded')).toBeVisible(SLOW);
  await dialog.getByRole('button', { name: 'Close' }).click();

  // In sync again, and the history names who synced.
  await expect(target.getByLabel('Sync: Synced')).toBeVisible(SLOW);
  const history = page.getByRole('table', { name: 'Sync history' });
  const newest = history.getByRole('row').nth(1);
  await expect(newest).toContainText(GUEST_NAME, SLOW);
  await expect(newest.getByLabel('Result: Succeeded')).toBeVisible();
  expect(
    kubectl(
      'dev',
      '-n',
      NAMESPACE,
      'get',
      `deployment/${DEPLOYMENT}`,
      '-o',
      'jsonpath={.spec.replicas}',
    ),
  ).not.toBe(String(DRIFT_REPLICAS));
});
