import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
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

/**
 * Smart HTTP (`git http-backend`) serving every repository below `baseDir` on
 * 127.0.0.1, behind Basic authentication with one user and password, as a Git
 * host with private repositories does. Records the users that asked.
 */
export async function startGitHttpServer(
  baseDir: string,
  credentials: { user: string; password: string },
) {
  const expected = `Basic ${Buffer.from(
    `${credentials.user}:${credentials.password}`,
  ).toString('base64')}`;
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    const authorization = req.headers.authorization ?? '';
    seen.push(authorization ? 'authorized-attempt' : 'anonymous');
    if (authorization !== expected) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' });
      res.end('Authentication required');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const cgi = spawn('git', ['http-backend'], {
      env: {
        ...process.env,
        GIT_PROJECT_ROOT: baseDir,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: req.method ?? 'GET',
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        REMOTE_USER: credentials.user,
        REMOTE_ADDR: '127.0.0.1',
        GIT_HTTP_MAX_REQUEST_BUFFER: '100M',
      },
    });
    req.pipe(cgi.stdin);
    // CGI output: headers, a blank line, then the body.
    let head = Buffer.alloc(0);
    let headersSent = false;
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (headersSent) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      let status = 200;
      for (const line of head.subarray(0, end).toString().split('\r\n')) {
        const colon = line.indexOf(':');
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === 'status') status = parseInt(value, 10);
        else res.setHeader(name, value);
      }
      res.writeHead(status);
      headersSent = true;
      res.write(head.subarray(end + 4));
    });
    cgi.on('close', () => res.end());
  });
  await new Promise<void>(resolve =>
    server.listen(0, '127.0.0.1', () => resolve()),
  );
  const { port } = server.address() as net.AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    url: (name: string) => `http://127.0.0.1:${port}/${name}`,
    seen,
    stop: () => new Promise<void>(resolve => server.close(() => resolve())),
  };
}
