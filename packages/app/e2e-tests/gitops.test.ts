/*
 * End-to-end: a component page shows its deployment, notices live drift, and a Sync
 * started from the page repairs it and is recorded in the history under the guest's name.
 * Runs against the dev command's app (kube-sim clusters and the example repositories).
 */
import { test, expect, Locator, Page } from '@playwright/test';
// This test runs in Node, not in the browser: it drives kubectl and writes screenshots.
// eslint-disable-next-line no-restricted-imports
import { execFileSync } from 'child_process';
// eslint-disable-next-line no-restricted-imports
import path from 'path';

// Names and paths; adjust here when the example changes.
const REPO_ROOT = path.resolve(__dirname, '../../..');
const KUBECONFIG =
  process.env.MOORING_KUBECONFIG ?? path.join(REPO_ROOT, '.mooring/kubeconfig');
const KUBE_CONTEXT = 'dev';
// The example component built for drift: `payments` self-heals, which would revert the
// live edit before the page could show it.
const COMPONENT_NAME = 'inventory';
const NAMESPACE = 'inventory';
const DEPLOYMENT = 'inventory';
const DRIFT_REPLICAS = 5;
const COMPONENT_PATH = `/catalog/default/component/${COMPONENT_NAME}`;
const DEPLOYMENTS_PATH = `${COMPONENT_PATH}/deployments`;
const GUEST_NAME = 'guest';
const SCREENSHOT_DIR = path.join(REPO_ROOT, 'docs/screenshots');
const CARD_SCREENSHOT = path.join(SCREENSHOT_DIR, 'card.png');
const DEPLOYMENTS_SCREENSHOT = path.join(SCREENSHOT_DIR, 'deployments.png');
/** Reconciles and syncs on a busy machine can take a while. */
const SLOW = { timeout: 180_000 };

test.setTimeout(600_000);

function kubectl(...args: string[]): string {
  return execFileSync(
    'kubectl',
    ['--kubeconfig', KUBECONFIG, '--context', KUBE_CONTEXT, ...args],
    { encoding: 'utf8', timeout: 60_000 },
  );
}

async function signInAsGuest(page: Page) {
  await page.goto('/');
  const enter = page.getByRole('button', { name: 'Enter' });
  await expect(enter).toBeVisible();
  await enter.click();
}

/** Opens a page of the app, signing in again if the app asks. */
async function open(page: Page, url: string) {
  await page.goto(url);
  const enter = page.getByRole('button', { name: 'Enter' });
  await enter.waitFor({ state: 'visible', timeout: 5_000 }).then(
    () => enter.click(),
    () => undefined,
  );
}

/** The first target of the component (its only one in the example). */
function firstTarget(page: Page): Locator {
  return page.getByRole('region', { name: /^Target / }).first();
}

/**
 * Asks Mooring to re-read the cluster now rather than at the next reconcile; without
 * the permission to, the page's polling picks the drift up later.
 */
async function refresh(target: Locator) {
  const button = target.getByRole('button', {
    name: new RegExp(`^Refresh ${COMPONENT_NAME} \\(`),
  });
  if (await button.isEnabled()) await button.click();
}

test('a drifted deployment is seen, synced back from the page, and recorded', async ({
  page,
}) => {
  await signInAsGuest(page);

  // The card on the overview tab: in sync and healthy.
  await open(page, COMPONENT_PATH);
  const card = page
    .locator('.MuiCard-root')
    .filter({ hasText: 'Mooring GitOps' })
    .first();
  const cardTarget = card.getByRole('region', { name: /^Target / }).first();
  await expect(cardTarget.getByLabel('Sync: Synced')).toBeVisible(SLOW);
  await expect(cardTarget.getByLabel('Health: Healthy')).toBeVisible(SLOW);
  await card.screenshot({ path: CARD_SCREENSHOT });

  // Someone changes the live object by hand.
  kubectl(
    '-n',
    NAMESPACE,
    'scale',
    `deployment/${DEPLOYMENT}`,
    `--replicas=${DRIFT_REPLICAS}`,
  );

  // The Deployments tab shows the drift with its diff.
  await open(page, DEPLOYMENTS_PATH);
  const target = firstTarget(page);
  await expect(target).toBeVisible(SLOW);
  await refresh(target);
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
      '-n',
      NAMESPACE,
      'get',
      `deployment/${DEPLOYMENT}`,
      '-o',
      'jsonpath={.spec.replicas}',
    ),
  ).not.toBe(String(DRIFT_REPLICAS));
});
