import path from 'node:path';
import type { GitSource } from '../source/GitSource';
import type { ApplicationState } from './ApplicationRegistry';

/**
 * Every folder a change to `files` (paths as Git lists them) is inside of:
 * each file, each of its parent folders, and the repository root ('') when
 * anything changed.
 */
export function touchedFolders(files: string[]): Set<string> {
  const touched = new Set<string>();
  for (const file of files) {
    let folder = file;
    while (!touched.has(folder)) {
      touched.add(folder);
      if (!folder) break;
      const parent = path.posix.dirname(folder);
      folder = parent === '.' ? '' : parent;
    }
  }
  return touched;
}

/**
 * Whether a change to the files behind `touched` is inside `sourcePath`,
 * folder by folder (`apps/a` is not inside `apps/ab`). A path that leaves
 * the repository is taken as touched: nothing is known of it.
 */
export function touchesPath(touched: Set<string>, sourcePath: string) {
  const normal = path.posix
    .normalize(sourcePath || '.')
    .replace(/^\/+|\/+$/g, '');
  const folder = normal === '.' ? '' : normal;
  return folder === '..' || folder.startsWith('../') || touched.has(folder);
}

/**
 * The applications whose own folder changed between the commit each last
 * resolved its revision to and the one it resolves to now: the ones a push
 * is for, to reconcile before the others of the repository. An application
 * with no known commit, or whose changes Git cannot list (an old commit a
 * force push dropped, too many files), counts as changed. Only an order:
 * the others are reconciled too (a render may read files outside its
 * folder). One `git diff` per pair of commits, however many applications
 * share it.
 */
export async function changedByPush(
  git: Pick<GitSource, 'resolve' | 'changedFiles'>,
  states: ApplicationState[],
): Promise<Set<ApplicationState>> {
  const diffs = new Map<string, Promise<Set<string> | undefined>>();
  const touchedBetween = (repoUrl: string, from: string, to: string) => {
    const key = `${repoUrl} ${from} ${to}`;
    let diff = diffs.get(key);
    if (!diff) {
      diff = git
        .changedFiles(repoUrl, from, to)
        .then(touchedFolders, () => undefined);
      diffs.set(key, diff);
    }
    return diff;
  };
  const changed = new Set<ApplicationState>();
  await Promise.all(
    states.map(async state => {
      const { repoUrl, revision, path: sourcePath } = state.spec.source;
      const from = state.facts.targetRevision ?? state.facts.syncedRevision;
      const to = await git
        // Just listed by the caller: resolved from memory.
        .resolve(repoUrl, revision, { maxAgeMs: 10_000 })
        .catch(() => undefined);
      if (from && to && from === to) return;
      const touched =
        from && to ? await touchedBetween(repoUrl, from, to) : undefined;
      if (!touched || touchesPath(touched, sourcePath)) changed.add(state);
    }),
  );
  return changed;
}
