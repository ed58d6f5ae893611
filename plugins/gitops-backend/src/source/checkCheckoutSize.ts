import { RenderLimitError, RenderLimits } from '../render/renderLimits';

/**
 * Refuses a tree over `gitops.limits` from what Git knows of it (sizes and
 * entries), before a byte of it is written to disk.
 */
export async function checkCheckoutSize(
  /** Runs `git` in the clone with these arguments, resolving to what it printed. */
  git: (args: string[]) => Promise<string>,
  sha: string,
  subPath: string | undefined,
  limits: Pick<RenderLimits, 'maxRepositoryBytes' | 'maxFiles'>,
): Promise<void> {
  const where = subPath ? `${subPath} at ${sha.slice(0, 7)}` : sha.slice(0, 7);
  const listing = await git([
    'ls-tree',
    '-r',
    '-l',
    '-z',
    sha,
    ...(subPath ? ['--', subPath] : []),
  ]).catch(error => {
    // More entries than Git may print: far more files than any limit allows.
    if (
      (error as NodeJS.ErrnoException).code ===
      'ERR_CHILD_PROCESS_STDIO_MAXBUFFER'
    ) {
      throw new RenderLimitError(
        'maxFiles',
        limits as RenderLimits,
        `The checkout of ${where} lists more entries than Git may print`,
      );
    }
    throw error;
  });
  let files = 0;
  let bytes = 0;
  for (const entry of listing.split('\0')) {
    if (!entry) continue;
    files++;
    // "<mode> <type> <object> <size>\t<path>"; size is "-" for submodules.
    const size = Number(entry.split('\t')[0].trim().split(/\s+/)[3]);
    if (Number.isFinite(size)) bytes += size;
  }
  if (files > limits.maxFiles) {
    throw new RenderLimitError(
      'maxFiles',
      limits as RenderLimits,
      `The checkout of ${where} holds ${files} files`,
    );
  }
  if (bytes > limits.maxRepositoryBytes) {
    throw new RenderLimitError(
      'maxRepositoryBytes',
      limits as RenderLimits,
      `The checkout of ${where} holds ${bytes} bytes`,
    );
  }
}
