/*
 * End-to-end: the guest onboards the shipping example from the portal. Create...
 * > "Deploy a service with Mooring" commits the mooring.dev annotations and a
 * Kustomize starter to shipping's repository on the example Git server, waits until
 * Mooring reports it Synced and Healthy, and links its Deployments tab, which shows
 * the new application Synced and Healthy. Running the template again is refused.
 */
import { test, expect, Page } from '@playwright/test';
// These helpers run in Node, not in the browser: they drive git.
// eslint-disable-next-line no-restricted-imports
import { execFileSync } from 'child_process';
// eslint-disable-next-line no-restricted-imports
import fs from 'fs';
// eslint-disable-next-line no-restricted-imports
import os from 'os';
// eslint-disable-next-line no-restricted-imports
import path from 'path';
import {
  deploymentsPath,
  firstTarget,
  kubectl,
  MOORING_HOME,
  REPO_ROOT,
  SCREENSHOTS,
  signInAsGuest,
  SLOW,
} from './support';

const COMPONENT = 'shipping';
const ENTITY_REF = `component:default/${COMPONENT}`;
const NAMESPACE = 'shipping';
const TEMPLATE_TITLE = 'Deploy a service with Mooring';
const BACKEND = process.env.MOORING_BACKEND_URL ?? 'http://localhost:7007';

test.setTimeout(900_000);
// A control that never appears fails the step, not the whole test's budget.
test.use({ actionTimeout: 60_000 });

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_CONFIG_GLOBAL: os.devNull,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_NAME: 'Mooring e2e',
      GIT_AUTHOR_EMAIL: 'e2e@example.com',
      GIT_COMMITTER_NAME: 'Mooring e2e',
      GIT_COMMITTER_EMAIL: 'e2e@example.com',
    },
  }).trim();
}

/**
 * Takes shipping back to "in the catalog, not deployed" when an earlier run on
 * this machine onboarded it (the dev stack keeps its repositories): a commit that
 * restores its catalog-info.yaml and removes the deploy folder, pushed as a
 * developer would. Returns whether anything changed.
 */
function offboardShipping(): boolean {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-e2e-shipping-'));
  try {
    git(
      work,
      'clone',
      '--quiet',
      path.join(MOORING_HOME, 'git', `${COMPONENT}.git`),
      '.',
    );
    fs.copyFileSync(
      path.join(REPO_ROOT, 'examples/repos', COMPONENT, 'catalog-info.yaml'),
      path.join(work, 'catalog-info.yaml'),
    );
    git(work, 'rm', '-r', '--quiet', '--ignore-unmatch', 'deploy');
    git(work, 'add', 'catalog-info.yaml');
    if (!git(work, 'status', '--porcelain')) return false;
    git(
      work,
      'commit',
      '--quiet',
      '--no-gpg-sign',
      '-m',
      'Stop deploying shipping with Mooring',
    );
    git(work, 'push', '--quiet', 'origin', 'HEAD');
    return true;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** The guest's Backstage token, as the signed-in app holds it. */
async function guestToken(page: Page): Promise<string> {
  const response = await page.request.get(`${BACKEND}/api/auth/guest/refresh`, {
    headers: { 'x-requested-with': 'XMLHttpRequest' },
  });
  expect(response.ok()).toBe(true);
  return (await response.json()).backstageIdentity.token;
}

/** Waits until the catalog has read shipping's catalog-info.yaml without Mooring annotations. */
async function waitUntilNotOnboarded(page: Page) {
  const token = await guestToken(page);
  const headers = { authorization: `Bearer ${token}` };
  await page.request.post(`${BACKEND}/api/catalog/refresh`, {
    headers,
    data: { entityRef: ENTITY_REF },
  });
  await expect
    .poll(
      async () => {
        const response = await page.request.get(
          `${BACKEND}/api/catalog/entities/by-name/component/default/${COMPONENT}`,
          { headers },
        );
        if (!response.ok()) return `catalog answered ${response.status()}`;
        const { metadata } = await response.json();
        return Object.keys(metadata.annotations ?? {}).filter(k =>
          k.startsWith('mooring.dev/'),
        );
      },
      { timeout: 240_000, intervals: [2_000] },
    )
    .toEqual([]);
}

/** Opens the template's form from Create... in the sidebar. */
async function openTemplate(page: Page) {
  await page.getByRole('link', { name: 'Create' }).first().click();
  const card = page
    .locator('article, .MuiCard-root')
    .filter({ hasText: TEMPLATE_TITLE })
    .first();
  await expect(card).toBeVisible(SLOW);
  await card.getByRole('button', { name: 'Choose' }).click();
  await expect(
    page.getByRole('heading', { name: TEMPLATE_TITLE }),
  ).toBeVisible();
}

/** Fills the form for shipping on the dev cluster, Kustomize starter, and starts it. */
async function runTemplate(page: Page) {
  await openTemplate(page);
  // The EntityPicker: an autocomplete whose text box carries the field's title.
  const component = page.getByRole('textbox', { name: 'Component' });
  await component.click();
  await component.fill(COMPONENT);
  await page
    .getByRole('option', { name: new RegExp(COMPONENT, 'i') })
    .first()
    .click();
  await page.getByRole('button', { name: 'Next' }).click();

  await expect(page.getByLabel(/Cluster/)).toHaveValue('dev');
  await page.getByLabel(/Namespace/).fill(NAMESPACE);
  await page.getByRole('button', { name: 'Next' }).click();

  await expect(page.getByLabel(/Folder in the repository/)).toHaveValue(
    'deploy',
  );
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('button', { name: 'Review' }).click();
  await page.getByRole('button', { name: 'Create' }).click();
}

test('the guest deploys shipping from Create... and sees it Synced and Healthy', async ({
  page,
}) => {
  await signInAsGuest(page);
  if (offboardShipping()) {
    // An earlier run deployed it; its objects may stay in the cluster (Mooring
    // adopts them again as the same application).
    await waitUntilNotOnboarded(page);
  }

  await page.goto('/');
  await runTemplate(page);

  // The task's steps finish and its output links the Deployments tab.
  const deployments = page.getByRole('link', {
    name: 'Open the Deployments tab',
  });
  await expect(deployments).toBeVisible({ timeout: 720_000 });
  await page.screenshot({
    path: path.join(SCREENSHOTS, 'onboarding-task.png'),
    fullPage: true,
  });
  await expect(
    page.getByText(/Commit `?[0-9a-f]{40}`? pushed to/),
  ).toBeVisible();

  // The commit is in shipping's repository, as the guest asked for it.
  const repo = path.join(MOORING_HOME, 'git', `${COMPONENT}.git`);
  expect(git(repo, 'log', '-1', '--format=%s')).toBe(
    `Deploy ${COMPONENT} with Mooring`,
  );
  expect(git(repo, 'log', '-1', '--format=%b')).toContain('user:default/guest');
  const catalogInfo = fs.readFileSync(
    path.join(repo, 'catalog-info.yaml'),
    'utf8',
  );
  expect(catalogInfo).toContain('mooring.dev/cluster: dev');
  expect(catalogInfo).toContain('# The shipping service'); // comments survive
  expect(fs.existsSync(path.join(repo, 'deploy/kustomization.yaml'))).toBe(
    true,
  );

  await deployments.click();
  await expect(page).toHaveURL(new RegExp(`${deploymentsPath(COMPONENT)}$`));
  const target = firstTarget(page);
  await expect(target.getByLabel('Sync: Synced')).toBeVisible(SLOW);
  await expect(target.getByLabel('Health: Healthy')).toBeVisible(SLOW);
  await page.screenshot({
    path: path.join(SCREENSHOTS, 'onboarding-deployments.png'),
    fullPage: true,
  });

  // The cluster runs what the starter holds.
  const deployment = JSON.parse(
    kubectl(
      'dev',
      '-n',
      NAMESPACE,
      'get',
      'deployment',
      COMPONENT,
      '-o',
      'json',
    ),
  );
  expect(deployment.status.readyReplicas).toBe(1);

  // A second onboarding of the same component is refused, saying why.
  await page.goto('/');
  await runTemplate(page);
  await expect(page.getByText(/already onboarded/).first()).toBeVisible(SLOW);
});
