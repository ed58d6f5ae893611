/*
 * End-to-end: the Delivery card draws figures from real sync history. The
 * examples sync on start; the test then pushes a commit to the payments example
 * through real git, lets it sync, and sees one more deployment on the card, with
 * its lead time; billing-worker (Degraded by design) shows as a failed change; the
 * group that owns the examples counts them all. Every test puts back what it
 * changed.
 */
import { test, expect, Locator, Page } from '@playwright/test';
// eslint-disable-next-line no-restricted-imports
import path from 'path';
import {
  deploymentsPath,
  exampleHead,
  firstTarget,
  open,
  pushToExample,
  refresh,
  resetExample,
  SCREENSHOTS,
  signInAsGuest,
  SLOW,
} from './support';

test.setTimeout(600_000);

const shortSha = (sha: string) => sha.slice(0, 7);

function deliveryCard(page: Page): Locator {
  return page
    .locator('.MuiCard-root')
    .filter({ hasText: "From Mooring's sync history" })
    .first();
}

/** The big number of one of the card's four figures. */
function figureValue(card: Locator, testId: string): Locator {
  return card.getByTestId(testId).locator('.MuiTypography-h5');
}

/**
 * The card's count of deployments, once it shows one; inside a retried block
 * it waits briefly, so the block opens the page again instead.
 */
async function deploymentCount(
  card: Locator,
  wait: { timeout: number } = SLOW,
): Promise<number> {
  const value = figureValue(card, 'delivery-deployments');
  await expect(value).toHaveText(/^\d+$/, wait);
  return Number(await value.textContent());
}

const BRIEFLY = { timeout: 10_000 };

test('a pushed commit that syncs is one more deployment on the Delivery card of payments', async ({
  page,
}) => {
  const original = exampleHead('payments');
  await signInAsGuest(page);
  try {
    // Right after the stack starts, signing in may be refused for a while: open again.
    await expect(async () => {
      await open(page, deploymentsPath('payments'));
      await expect(firstTarget(page)).toBeVisible(BRIEFLY);
    }).toPass(SLOW);

    // The sync on start is on the card already: the examples' own history.
    let card = deliveryCard(page);
    await expect(card).toBeVisible(SLOW);
    await expect(async () => {
      await open(page, deploymentsPath('payments'));
      card = deliveryCard(page);
      expect(await deploymentCount(card, BRIEFLY)).toBeGreaterThanOrEqual(1);
    }).toPass(SLOW);
    const before = await deploymentCount(card);

    const pushed = pushToExample(
      'payments',
      'configmap.yaml',
      text => text.replace(/RETRIES: '\d+'/, "RETRIES: '4'"),
      'payments: one more retry (end-to-end test of delivery insights)',
    );
    await refresh(firstTarget(page), 'payments');
    // Mooring sees the commit: Git is ahead, or auto-sync already applied it.
    await expect(firstTarget(page)).toContainText(
      new RegExp(`(Git is at|Synced to) ${shortSha(pushed)}`),
      SLOW,
    );

    // Auto-sync applies it; once Synced and Healthy it is a deployment with a lead time.
    await expect(async () => {
      await open(page, deploymentsPath('payments'));
      card = deliveryCard(page);
      expect(await deploymentCount(card, BRIEFLY)).toBe(before + 1);
      await expect(
        card.getByTestId('delivery-lead-time').locator('.MuiTypography-h5'),
      ).not.toHaveText('–', BRIEFLY);
    }).toPass(SLOW);
    await expect(card.getByTestId('delivery-deployments')).toContainText(
      /per (day|week)/,
    );
    await expect(card.getByTestId('delivery-lead-time')).toContainText(
      'median commit to Synced and Healthy',
    );
    const chart = card.getByTestId('delivery-deployments-chart');
    await expect(chart).toHaveAttribute(
      'aria-label',
      // The last 30 × 24 hours touch 31 UTC days unless it is midnight.
      new RegExp(`^Deployments per day: ${before + 1} over 3[01] days`),
    );
    await expect(
      chart.locator('.recharts-bar-rectangle path').first(),
    ).toBeVisible();
    await expect(
      card.getByTestId('delivery-lead-time-chart').locator('.recharts-line'),
    ).toBeVisible();

    // A shorter period asks again; today's deployments are in it.
    await card.getByRole('button', { name: 'Last 7 days' }).click();
    await expect(chart).toHaveAttribute(
      'aria-label',
      /^Deployments per day: \d+ over [78] days/,
      SLOW,
    );
    await card.getByRole('button', { name: 'Last 30 days' }).click();
    await expect(chart).toHaveAttribute('aria-label', /over 3[01] days/, SLOW);

    await card.scrollIntoViewIfNeeded();
    await page.mouse.move(0, 0);
    await card.screenshot({
      path: path.join(SCREENSHOTS, 'delivery-card.png'),
    });
  } finally {
    // Git back where it was; auto-sync brings the cluster back.
    resetExample('payments', original);
    await open(page, deploymentsPath('payments'));
    await refresh(firstTarget(page), 'payments');
  }
  // "Git is at" shows only while the cluster is behind; auto-sync catches up.
  await expect(firstTarget(page)).toContainText(
    new RegExp(`(Git is at|Synced to) ${shortSha(original)}`),
    SLOW,
  );
});

test('billing-worker, Degraded by design, is a failed change on its Delivery card', async ({
  page,
}) => {
  await signInAsGuest(page);
  let card = deliveryCard(page);
  await expect(async () => {
    await open(page, deploymentsPath('billing-worker'));
    card = deliveryCard(page);
    expect(await deploymentCount(card, BRIEFLY)).toBeGreaterThanOrEqual(1);
    // Every deployment of it failed: its image never pulls.
    await expect(figureValue(card, 'delivery-failure-rate')).toHaveText(
      '100%',
      BRIEFLY,
    );
  }).toPass(SLOW);
  await expect(card.getByTestId('delivery-failure-rate')).toContainText(
    /(\d+) of \1 deployments? failed, ended Degraded or were rolled back/,
  );
  // Never Synced and Healthy: no lead time, nothing restored.
  await expect(figureValue(card, 'delivery-lead-time')).toHaveText('–');
  await expect(card.getByTestId('delivery-restore')).toContainText(
    'no failed deployment restored yet',
  );
  const failedBars = card
    .getByTestId('delivery-deployments-chart')
    .locator('path[name="Failed, Degraded or rolled back"]');
  await expect(failedBars.first()).toBeVisible();
  await card.scrollIntoViewIfNeeded();
  await page.mouse.move(0, 0);
  await card.screenshot({
    path: path.join(SCREENSHOTS, 'delivery-card-degraded.png'),
  });
});

test("the guests group's Delivery card counts the examples it owns", async ({
  page,
}) => {
  await signInAsGuest(page);
  await open(page, deploymentsPath('payments'));
  let card = deliveryCard(page);
  await expect(async () => {
    await open(page, deploymentsPath('payments'));
    card = deliveryCard(page);
    expect(await deploymentCount(card, BRIEFLY)).toBeGreaterThanOrEqual(1);
  }).toPass(SLOW);
  const ofPayments = await deploymentCount(card);

  await open(page, '/catalog/default/group/guests');
  card = deliveryCard(page);
  await expect(card).toBeVisible(SLOW);
  const group = await deploymentCount(card);
  expect(group).toBeGreaterThan(ofPayments);
  await expect(card).toContainText(/Across \d+ components: .*billing-worker/);
  await expect(card).toContainText(/payments/);
  // billing-worker's failures count for its owner too.
  await expect(figureValue(card, 'delivery-failure-rate')).not.toHaveText('0%');
  await card.scrollIntoViewIfNeeded();
  await page.mouse.move(0, 0);
  await card.screenshot({
    path: path.join(SCREENSHOTS, 'delivery-card-group.png'),
  });
});
