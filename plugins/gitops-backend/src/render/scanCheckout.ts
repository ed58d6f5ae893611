import { localFs as fs } from './localFs';
import path from 'node:path';
import { InputError } from '@backstage/errors';
import { LRUCache } from 'lru-cache';
import { isInside } from './pathSafety';
import { RenderLimitError, RenderLimits } from './renderLimits';

interface Measure {
  files: number;
  bytes: number;
}

/**
 * Checks a whole checkout before any renderer reads it, without following a
 * single symlink blindly: every symlink must resolve to a file or folder
 * inside the checkout (never a device, fifo, socket or `/proc`), no special
 * file may sit in it, and its size and file count, counting again what each
 * symlinked folder or file repeats, stay under the limits. A renderer
 * (kustomize, helm, plain YAML) may follow links anywhere in the checkout, so
 * all of it is checked, not only the application's folder. Sizes come from
 * `lstat`; no file is read.
 */
export async function scanCheckout(
  repositoryRoot: string,
  limits: RenderLimits,
): Promise<void> {
  const root = await fs.realpath(repositoryRoot);
  const measured = new Map<string, Measure>();
  const inProgress = new Set<string>();
  const relative = (p: string) => path.relative(root, p) || '.';

  const check = (total: Measure, at: string) => {
    if (total.files > limits.maxFiles) {
      throw new RenderLimitError(
        'maxFiles',
        limits,
        `The repository holds more than ${
          limits.maxFiles
        } files (counting what symlinks repeat) at ${relative(at)}`,
      );
    }
    if (total.bytes > limits.maxRepositoryBytes) {
      throw new RenderLimitError(
        'maxRepositoryBytes',
        limits,
        `The repository holds more than ${
          limits.maxRepositoryBytes
        } bytes (counting what symlinks repeat) at ${relative(at)}`,
      );
    }
  };

  /** What a symlink stands for; refuses one leading out or to a special file. */
  async function followLink(link: string): Promise<Measure> {
    const refuse = (why: string) =>
      new InputError(
        `${relative(
          link,
        )}: symlink ${why}; Mooring only reads files inside the repository`,
      );
    let real: string;
    try {
      real = await fs.realpath(link);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ELOOP') {
        throw refuse('is a loop of symlinks');
      }
      // Dangling: harmless while its target stays inside.
      const target = path.resolve(path.dirname(link), await fs.readlink(link));
      if (!isInside(root, target)) throw refuse('leads outside the repository');
      return { files: 1, bytes: 0 };
    }
    if (
      !isInside(root, real) ||
      real.startsWith('/proc/') ||
      real === '/proc'
    ) {
      throw refuse('leads outside the repository');
    }
    const stat = await fs.stat(real);
    if (stat.isDirectory()) {
      if (inProgress.has(real)) throw refuse('is a loop of symlinks');
      const inner = await measureDirectory(real);
      return { files: inner.files + 1, bytes: inner.bytes };
    }
    if (!stat.isFile()) {
      throw refuse('leads to a device, fifo or socket');
    }
    return { files: 1, bytes: stat.size };
  }

  async function measureDirectory(directory: string): Promise<Measure> {
    const known = measured.get(directory);
    if (known) return known;
    inProgress.add(directory);
    const total: Measure = { files: 0, bytes: 0 };
    const entries = await fs.readdir(directory, { withFileTypes: true });
    for (const entry of entries) {
      const full = path.join(directory, entry.name);
      let part: Measure;
      if (entry.isSymbolicLink()) {
        part = await followLink(full);
      } else if (entry.isDirectory()) {
        const inner = await measureDirectory(full);
        part = { files: inner.files + 1, bytes: inner.bytes };
      } else if (entry.isFile()) {
        part = { files: 1, bytes: (await fs.lstat(full)).size };
      } else {
        throw new InputError(
          `${relative(
            full,
          )} is a device, fifo or socket; a repository may hold only files, folders and symlinks`,
        );
      }
      total.files += part.files;
      total.bytes += part.bytes;
      check(total, full);
    }
    inProgress.delete(directory);
    measured.set(directory, total);
    return total;
  }

  await measureDirectory(root);
}

/**
 * Scans of read-only checkouts, remembered: a checkout of one commit never
 * changes, so it is scanned once for all the applications rendering it, not
 * once per application (with thousands of applications in one repository,
 * scanning the whole checkout for each of them was most of the engine's
 * work). What the scan refuses (limits, symlinks) is remembered too; any
 * other failure is tried again next time.
 */
export class CheckoutScans {
  private readonly scans = new LRUCache<string, Promise<void>>({ max: 512 });

  scan(repositoryRoot: string, limits: RenderLimits): Promise<void> {
    const key = `${repositoryRoot}\0${JSON.stringify(limits)}`;
    let scan = this.scans.get(key);
    if (!scan) {
      scan = scanCheckout(repositoryRoot, limits);
      this.scans.set(key, scan);
      scan.catch(error => {
        if (
          !(error instanceof RenderLimitError || error instanceof InputError)
        ) {
          this.scans.delete(key);
        }
      });
    }
    return scan;
  }
}
