import { localFs as fs } from './localFs';
import path from 'node:path';
import { InputError } from '@backstage/errors';

/** True when `child` is `root` or inside it. */
export function isInside(root: string, child: string): boolean {
  const relative = path.relative(root, child);
  return (
    relative === '' ||
    (!relative.startsWith('..') && !path.isAbsolute(relative))
  );
}

/**
 * Resolves a path given by a repository (an application path, a kustomize
 * base) and refuses it when it, or a symlink on the way, leads out of the
 * repository.
 */
export async function resolveInsideRepository(
  repositoryRoot: string,
  relativePath: string,
  from: string = repositoryRoot,
): Promise<string> {
  if (relativePath.includes('\0')) {
    throw new InputError(`Path "${relativePath}" contains a NUL byte`);
  }
  const root = await fs.realpath(repositoryRoot);
  const candidate = path.resolve(from, relativePath);
  if (!isInside(repositoryRoot, candidate) && !isInside(root, candidate)) {
    throw new InputError(
      `Path "${relativePath}" leads outside the repository; use a path inside it`,
    );
  }
  let real: string;
  try {
    real = await fs.realpath(candidate);
  } catch {
    throw new InputError(
      `Path "${
        path.relative(repositoryRoot, candidate) || '.'
      }" does not exist in the repository`,
    );
  }
  if (!isInside(root, real)) {
    throw new InputError(
      `Path "${relativePath}" is a symlink that leads outside the repository; Mooring only reads files inside it`,
    );
  }
  return real;
}
