/*
 * What the end-to-end tests share: signing in, opening pages, the Mooring card and
 * targets, and the dev stack's clusters and example Git repositories. Runs in Node,
 * next to the app started by `scripts/test` (the same stack as `scripts/start`).
 */
import { expect, Locator, Page } from '@playwright/test';
// These helpers run in Node, not in the browser: they drive kubectl and git.
// eslint-disable-next-line no-restricted-imports
import { execFileSync } from 'child_process';
// eslint-disable-next-line no-restricted-imports
import fs from 'fs';
// eslint-disable-next-line no-restricted-imports
import os from 'os';
// eslint-disable-next-line no-restricted-imports
import path from 'path';

export const REPO_ROOT = path.resolve(__dirname, '../../..');
export const MOORING_HOME =
  process.env.MOORING_HOME ?? path.join(REPO_ROOT, '.mooring');
const KUBECONFIG =
  process.env.MOORING_KUBECONFIG ?? path.join(MOORING_HOME, 'kubeconfig');
/** Where tests write screenshots that are not part of the docs. */
export const SCREENSHOTS = path.join(
  REPO_ROOT,
  'node_modules/.cache/e2e-test-results/screenshots',
);
/** Reconciles and syncs on a busy machine can take a while. */
export const SLOW = { timeout: 180_000 };
export const GUEST_NAME = 'guest';

/** kubectl against one of the dev stack's simulated clusters (`dev` or `prod`). */
export function kubectl(context: 'dev' | 'prod', ...args: string[]): string {
  return execFileSync(
    'kubectl',
    ['--kubeconfig', KUBECONFIG, '--context', context, ...args],
    { encoding: 'utf8', timeout: 60_000 },
  );
}

export async function signInAsGuest(page: Page) {
  await page.goto('/');
  const enter = page.getByRole('button', { name: 'Enter' });
  await expect(enter).toBeVisible();
  await enter.click();
}

/** Opens a page of the app, signing in again if the app asks. */
export async function open(page: Page, url: string) {
  await page.goto(url);
  const enter = page.getByRole('button', { name: 'Enter' });
  await enter.waitFor({ state: 'visible', timeout: 5_000 }).then(
    () => enter.click(),
    () => undefined,
  );
}

export const componentPath = (name: string) =>
  `/catalog/default/component/${name}`;
export const deploymentsPath = (name: string) =>
  `${componentPath(name)}/deployments`;

/** The Mooring card of the overview tab. */
export function gitopsCard(page: Page): Locator {
  return page
    .locator('.MuiCard-root')
    .filter({ hasText: 'Mooring GitOps' })
    .first();
}

/** The first target of the component (its only one in most examples). */
export function firstTarget(scope: Page | Locator): Locator {
  return scope.getByRole('region', { name: /^Target / }).first();
}

/**
 * Asks Mooring to re-read Git and the cluster now rather than at the next reconcile;
 * without the permission to, the page's polling picks changes up later.
 */
export async function refresh(target: Locator, component: string) {
  const button = target.getByRole('button', {
    name: new RegExp(`^Refresh ${component} \\(`),
  });
  if (await button.isEnabled()) await button.click();
}

/** Resumes automation from the page when it is suspended (to restore after a test). */
export async function resumeIfSuspended(
  page: Page,
  component: string,
): Promise<void> {
  await open(page, componentPath(component));
  const resume = firstTarget(gitopsCard(page)).getByRole('button', {
    name: new RegExp(`^Resume automation of ${component} \\(`),
  });
  if (await resume.isVisible({ timeout: 10_000 }).catch(() => false)) {
    await resume.click();
    await expect(resume).toBeHidden(SLOW);
  }
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    timeout: 60_000,
    env: {
      ...process.env,
      // Commits must not depend on the user's git configuration.
      GIT_CONFIG_GLOBAL: os.devNull,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_NAME: 'End-to-end test',
      GIT_AUTHOR_EMAIL: 'e2e@example.com',
      GIT_COMMITTER_NAME: 'End-to-end test',
      GIT_COMMITTER_EMAIL: 'e2e@example.com',
    },
  }).trim();
}

/** The bare repository the dev stack serves for an example (git://127.0.0.1:9418/<name>.git). */
function exampleRepo(name: string): string {
  return path.join(MOORING_HOME, 'git', `${name}.git`);
}

/** The commit the example's `main` is at now. */
export function exampleHead(name: string): string {
  return git(exampleRepo(name), 'rev-parse', 'main');
}

/**
 * Commits a change to one file of an example repository, as a developer pushing to
 * it would, and returns the new commit.
 */
export function pushToExample(
  name: string,
  file: string,
  edit: (text: string) => string,
  message: string,
): string {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `mooring-e2e-${name}-`));
  try {
    git(work, 'clone', '--quiet', '--branch', 'main', exampleRepo(name), '.');
    const target = path.join(work, file);
    const before = fs.readFileSync(target, 'utf8');
    const after = edit(before);
    if (after === before) {
      throw new Error(`The edit of ${name}/${file} changed nothing`);
    }
    fs.writeFileSync(target, after);
    git(work, 'commit', '--quiet', '--no-gpg-sign', '-am', message);
    git(work, 'push', '--quiet', 'origin', 'main');
    return git(work, 'rev-parse', 'HEAD');
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** Puts an example's `main` back at a commit it had, dropping what a test pushed. */
export function resetExample(name: string, sha: string) {
  git(exampleRepo(name), 'update-ref', 'refs/heads/main', sha);
}
