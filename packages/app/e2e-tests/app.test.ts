import { test, expect } from '@playwright/test';

test('a guest signs in, opens the catalog and Mooring’s own component page', async ({
  page,
}) => {
  await page.goto('/');

  const enterButton = page.getByRole('button', { name: 'Enter' });
  await expect(enterButton).toBeVisible();
  await enterButton.click();

  const nav = page.getByRole('navigation', { name: 'sidebar nav' });
  await expect(
    nav.getByRole('link', { name: 'Catalog', exact: true }),
  ).toBeVisible();

  await nav.getByRole('link', { name: 'Catalog', exact: true }).click();
  const mooringLink = page.getByRole('link', { name: 'Mooring', exact: true });
  await expect(mooringLink).toBeVisible();
  await mooringLink.click();

  await expect(page).toHaveURL(/\/catalog\/default\/component\/mooring/);
  await expect(
    page.getByRole('heading', { name: 'Mooring', exact: true }),
  ).toBeVisible();
  await expect(page.getByText('About').first()).toBeVisible();
});
