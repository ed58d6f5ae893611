import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A Git repository on disk that a test writes and commits to. */
export class TestRepo {
  readonly dir: string;

  constructor(parent: string, name: string) {
    this.dir = path.join(parent, name);
    fs.mkdirSync(this.dir, { recursive: true });
    this.git('init', '--quiet', '--initial-branch=main');
    this.git('config', 'user.name', 'Ada Lovelace');
    this.git('config', 'user.email', 'ada@example.com');
    this.git('config', 'commit.gpgsign', 'false');
  }

  git(...args: string[]): string {
    return execFileSync('git', args, { cwd: this.dir, encoding: 'utf8' });
  }

  /** Writes files (path → content; null deletes) and commits them; returns the SHA. */
  commit(files: Record<string, string | null>, message: string): string {
    for (const [file, content] of Object.entries(files)) {
      const full = path.join(this.dir, file);
      if (content === null) {
        fs.rmSync(full, { force: true, recursive: true });
      } else {
        fs.mkdirSync(path.dirname(full), { recursive: true });
        fs.writeFileSync(full, content);
      }
    }
    this.git('add', '--all');
    this.git('commit', '--quiet', '--allow-empty', '-m', message);
    return this.git('rev-parse', 'HEAD').trim();
  }

  get fileUrl() {
    return `file://${this.dir}`;
  }
}

/** A temporary folder removed by `cleanup`. */
export function tempDir(prefix: string) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `mooring-${prefix}-`));
}

/** `git daemon` serving every repository below `baseDir` on 127.0.0.1. */
export async function startGitDaemon(baseDir: string) {
  const port = await freePort();
  const child: ChildProcess = spawn(
    'git',
    [
      'daemon',
      '--reuseaddr',
      `--base-path=${baseDir}`,
      '--export-all',
      '--listen=127.0.0.1',
      `--port=${port}`,
      baseDir,
    ],
    { stdio: 'ignore' },
  );
  // Wait until it accepts connections.
  for (let i = 0; i < 100; i++) {
    const open = await new Promise<boolean>(resolve => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) break;
    await new Promise(r => setTimeout(r, 50));
  }
  return {
    url: (name: string) => `git://127.0.0.1:${port}/${name}`,
    port,
    stop: () =>
      new Promise<void>(resolve => {
        if (child.exitCode !== null) {
          resolve();
          return;
        }
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}
