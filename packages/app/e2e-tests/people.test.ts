/*
 * End-to-end: the history names the person who pressed Sync as a link to their
 * catalog page. Runs against the dev command's app (kube-sim clusters and the
 * example repositories).
 */
import { test, expect } from '@playwright/test';
// eslint-disable-next-line no-restricted-imports
import path from 'path';
import {
  deploymentsPath,
  firstTarget,
  GUEST_NAME,
  open,
  SCREENSHOTS,
  signInAsGuest,
  SLOW,
} from './support';

const COMPONENT_NAME = 'inventory';

test.setTimeout(600_000);

test('the history links the person who synced to their catalog page', async ({
  page,
}) => {
  await signInAsGuest(page);
  await open(page, deploymentsPath(COMPONENT_NAME));
  const target = firstTarget(page);
  await expect(target).toBeVisible(SLOW);

  await target
    .getByRole('button', { name: new RegExp(`^Sync ${COMPONENT_NAME} \\(`) })
    .click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('button', { name: 'Preview changes' }).click();
  await dialog.getByRole('button', { name: /^Confirm sync of / }).click();
  await expect(dialog.getByLabel('Result: Succeeded')).toBeVisible(SLOW);
  await dialog.getByRole('button', { name: 'Close' }).click();

  const history = page.getByRole('table', { name: 'Sync history' });
  const newest = history.getByRole('row').nth(1);
  const guest = newest.getByRole('link', { name: GUEST_NAME });
  await expect(guest).toBeVisible(SLOW);
  await expect(guest).toHaveAttribute('href', '/catalog/default/user/guest');
  await history.screenshot({
    path: path.join(SCREENSHOTS, 'history-people.png'),
  });

  await guest.click();
  await expect(page).toHaveURL(/\/catalog\/default\/user\/guest$/);
});
