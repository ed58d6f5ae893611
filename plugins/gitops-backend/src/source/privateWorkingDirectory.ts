import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/**
 * The folder holding Mooring's Git clones and checkouts, private to the
 * backend's user: `mooring-gitops` inside `backend.workingDirectory` when it
 * is set, else `mooring-gitops-<uid>` in `$XDG_RUNTIME_DIR` or the system
 * temporary folder. Created with mode 0700; an existing one is used only when
 * it is a real folder (no symlink) owned by this user that no group or other
 * user may write, since whoever can write there can change what is deployed.
 */
export async function privateWorkingDirectory(
  backendWorkingDirectory: string | undefined,
): Promise<string> {
  const uid = process.getuid?.();
  const dir = backendWorkingDirectory
    ? path.join(backendWorkingDirectory, 'mooring-gitops')
    : path.join(
        process.env.XDG_RUNTIME_DIR || os.tmpdir(),
        `mooring-gitops-${uid ?? 'user'}`,
      );
  await fs.mkdir(path.dirname(dir), { recursive: true });
  try {
    await fs.mkdir(dir, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const stat = await fs.lstat(dir);
  let problem: string | undefined;
  if (!stat.isDirectory()) {
    problem = 'is not a folder (a symlink or a file)';
  } else if (uid !== undefined && stat.uid !== uid) {
    problem = `is owned by user ${stat.uid}, not by the backend's user ${uid}`;
  } else if (stat.mode & 0o022) {
    problem = `may be written by its group or other users (mode ${(
      stat.mode & 0o777
    )
      .toString(8)
      .padStart(3, '0')})`;
  }
  if (problem) {
    throw new Error(
      `Mooring's working directory ${dir} ${problem}; remove it (it is re-created, private, at start), or set backend.workingDirectory to a folder of the backend's own`,
    );
  }
  return dir;
}
