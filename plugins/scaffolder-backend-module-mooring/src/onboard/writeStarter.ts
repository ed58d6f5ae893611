import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { ConflictError, InputError } from '@backstage/errors';
import fs from 'node:fs/promises';
import path from 'node:path';

/** The starters shipped with this package (see `starters/README.md`). */
export const STARTERS = ['plain', 'kustomize', 'helm'] as const;
export type Starter = (typeof STARTERS)[number];

/** `starters/` of this package (listed in its `files`, so it is published). */
export const STARTERS_DIR = resolvePackagePath(
  '@mooring/plugin-scaffolder-backend-module-mooring',
  'starters',
);

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** A container image reference: registry/name:tag or @digest, nothing YAML could misread. */
const IMAGE =
  /^[a-z0-9][a-z0-9._\-/]*(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;

/** What fills a starter's placeholders. */
export interface StarterValues {
  name: string;
  image: string;
  port: number;
}

/**
 * Checks a folder given for the repository: relative, no `..`, no `.git`,
 * no backslashes. Returns it normalized (`deploy/app`, no trailing slash).
 */
export function checkRepoPath(folder: string): string {
  const trimmed = folder.trim().replace(/\/+$/, '');
  const segments = trimmed.split('/');
  if (
    !trimmed ||
    trimmed.startsWith('/') ||
    trimmed.includes('\\') ||
    trimmed.includes('\0') ||
    segments.some(s => s === '' || s === '.' || s === '..') ||
    segments.some(s => s.toLowerCase() === '.git')
  ) {
    throw new InputError(
      `Path '${folder}' must be a folder inside the repository, relative to its root, without '.', '..' or '.git' (e.g. deploy)`,
    );
  }
  return trimmed;
}

function checkValues(values: StarterValues) {
  if (!DNS_LABEL.test(values.name)) {
    throw new InputError(
      `A starter names its objects after the component, but '${values.name}' is not a valid Kubernetes name; use lower-case letters, digits and '-'`,
    );
  }
  if (!IMAGE.test(values.image) || values.image.length > 255) {
    throw new InputError(
      `'${values.image}' is not a container image reference such as registry.example.com/team/app:1.0.0`,
    );
  }
  if (
    !Number.isInteger(values.port) ||
    values.port < 1 ||
    values.port > 65535
  ) {
    throw new InputError(`Port ${values.port} is not a TCP port (1 to 65535)`);
  }
}

/**
 * Refuses a folder that exists or would be reached through a symlink: each
 * part of the path that exists must be a real folder inside the checkout.
 */
async function checkFreeFolder(repoDir: string, folder: string) {
  let current = repoDir;
  for (const segment of folder.split('/')) {
    current = path.join(current, segment);
    const stat = await fs.lstat(current).catch(error => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    });
    if (!stat) return;
    if (stat.isSymbolicLink()) {
      throw new InputError(
        `'${path.relative(
          repoDir,
          current,
        )}' in the repository is a symlink; Mooring writes starters only into real folders`,
      );
    }
    if (current === path.join(repoDir, folder)) {
      throw new ConflictError(
        `'${folder}' already exists in the repository; choose another path or the starter 'none' to deploy what is there`,
      );
    }
    if (!stat.isDirectory()) {
      throw new InputError(
        `'${path.relative(
          repoDir,
          current,
        )}' in the repository is a file, not a folder`,
      );
    }
  }
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      out.push(...(await listFiles(path.join(dir, entry.name), rel)));
    } else if (entry.isFile()) out.push(rel);
  }
  return out.sort();
}

/**
 * Writes a starter into a new folder of a checkout, its placeholders
 * filled. Returns the files written, relative to the repository.
 */
export async function writeStarter(options: {
  repoDir: string;
  folder: string;
  starter: Starter;
  values: StarterValues;
}): Promise<string[]> {
  const { repoDir, starter, values } = options;
  const folder = checkRepoPath(options.folder);
  if (!STARTERS.includes(starter)) {
    throw new InputError(
      `Unknown starter '${starter}'; use one of none, ${STARTERS.join(', ')}`,
    );
  }
  checkValues(values);
  await checkFreeFolder(repoDir, folder);
  const from = path.join(STARTERS_DIR, starter);
  const written: string[] = [];
  for (const file of await listFiles(from)) {
    const content = (await fs.readFile(path.join(from, file), 'utf8'))
      .replaceAll('__NAME__', values.name)
      .replaceAll('__IMAGE__', values.image)
      .replaceAll('__PORT__', String(values.port));
    const to = path.join(repoDir, folder, file);
    await fs.mkdir(path.dirname(to), { recursive: true });
    // 'wx': never overwrite, even a file that appeared since the check.
    await fs.writeFile(to, content, { flag: 'wx' });
    written.push(`${folder}/${file}`);
  }
  return written;
}
