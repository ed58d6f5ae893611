/*
 * End-to-end: Backstage search finds a deployment by the commit it runs ("who runs
 * a1b2c3d?"), shows where it runs and its statuses, and leads to its Deployments tab.
 * Runs against the dev command's app, whose search collates applications every minute.
 */
import { test, expect } from '@playwright/test';
// eslint-disable-next-line no-restricted-imports
import path from 'path';
import {
  componentPath,
  firstTarget,
  gitopsCard,
  open,
  SCREENSHOTS,
  signInAsGuest,
  SLOW,
} from './support';

// An auto-synced example: its commit is deployed soon after start.
const COMPONENT_NAME = 'payments';

test.setTimeout(600_000);

test('search finds a deployment by its short commit SHA and leads to its Deployments tab', async ({
  page,
}) => {
  await signInAsGuest(page);

  // The commit the card says is deployed.
  await open(page, componentPath(COMPONENT_NAME));
  const cardTarget = firstTarget(gitopsCard(page));
  await expect(cardTarget.getByLabel('Sync: Synced')).toBeVisible(SLOW);
  const commit = cardTarget.locator('span[title]', {
    hasText: /^[0-9a-f]{7}$/,
  });
  await expect(commit.first()).toBeVisible(SLOW);
  const sha = (await commit.first().getAttribute('title')) ?? '';
  expect(sha).toMatch(/^[0-9a-f]{40}$/);
  const short = sha.slice(0, 7);

  // The search page finds it once the collator has run since the sync (every minute
  // in the dev stack), so search again until it shows.
  const result = page
    .getByRole('listitem')
    .filter({
      has: page.getByRole('link', { name: COMPONENT_NAME, exact: true }),
    })
    .filter({ hasText: short });
  await expect(async () => {
    await open(page, `/search?query=${short}`);
    await expect(result).toBeVisible({ timeout: 10_000 });
  }).toPass({ timeout: 240_000, intervals: [5_000] });

  // Readable: the entity, where it runs, the commit and the statuses.
  await expect(result).toContainText('Entity: component:default/payments');
  await expect(result).toContainText('Runs on: dev / payments');
  await expect(result.getByText(short, { exact: true })).toHaveAttribute(
    'title',
    sha,
  );
  await expect(result.getByLabel('Sync: Synced')).toBeVisible();
  await expect(result.getByLabel(/^Health: /)).toBeVisible();
  await page.screenshot({
    path: path.join(SCREENSHOTS, 'search-by-commit.png'),
    fullPage: true,
  });

  // The result leads to the Deployments tab.
  await result.getByRole('link', { name: COMPONENT_NAME, exact: true }).click();
  await expect(page).toHaveURL(
    new RegExp(`/catalog/default/component/${COMPONENT_NAME}/deployments$`),
  );
  await expect(firstTarget(page)).toBeVisible(SLOW);
  await expect(page.getByRole('table', { name: 'Sync history' })).toBeVisible(
    SLOW,
  );
});
