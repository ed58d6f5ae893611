import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../__testUtils__/gitRepos';
import { privateWorkingDirectory } from './privateWorkingDirectory';

describe('privateWorkingDirectory', () => {
  const roots: string[] = [];
  const root = () => {
    const dir = tempDir('workdir');
    roots.push(dir);
    return dir;
  };
  afterAll(() =>
    roots.forEach(dir => fs.rmSync(dir, { recursive: true, force: true })),
  );

  it('creates the folder inside backend.workingDirectory, readable by the backend alone', async () => {
    const base = root();
    const dir = await privateWorkingDirectory(base);
    expect(dir).toBe(path.join(base, 'mooring-gitops'));
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    // A second start reuses it.
    expect(await privateWorkingDirectory(base)).toBe(dir);
  });

  it('without backend.workingDirectory, is a per-user folder, not a shared name', async () => {
    const saved = process.env.XDG_RUNTIME_DIR;
    process.env.XDG_RUNTIME_DIR = root();
    try {
      const dir = await privateWorkingDirectory(undefined);
      expect(dir).toBe(
        path.join(
          process.env.XDG_RUNTIME_DIR,
          `mooring-gitops-${process.getuid!()}`,
        ),
      );
      expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    } finally {
      if (saved === undefined) delete process.env.XDG_RUNTIME_DIR;
      else process.env.XDG_RUNTIME_DIR = saved;
    }
  });

  it('refuses an existing folder others may write to', async () => {
    const base = root();
    fs.mkdirSync(path.join(base, 'mooring-gitops'));
    fs.chmodSync(path.join(base, 'mooring-gitops'), 0o777);
    await expect(privateWorkingDirectory(base)).rejects.toThrow(
      /mooring-gitops may be written by its group or other users \(mode 777\)/,
    );
  });

  it('refuses a symlink planted where the folder goes', async () => {
    const base = root();
    fs.symlinkSync(root(), path.join(base, 'mooring-gitops'));
    await expect(privateWorkingDirectory(base)).rejects.toThrow(
      /is not a folder \(a symlink or a file\)/,
    );
  });

  // Only root can hand a folder to another user.
  (process.getuid?.() === 0 ? describe : describe.skip)('as root', () => {
    it('refuses an existing folder owned by another user', async () => {
      const base = root();
      fs.mkdirSync(path.join(base, 'mooring-gitops'), { mode: 0o700 });
      fs.chownSync(path.join(base, 'mooring-gitops'), 65534, 65534);
      await expect(privateWorkingDirectory(base)).rejects.toThrow(
        /is owned by user 65534, not by the backend's user 0/,
      );
    });
  });
});
