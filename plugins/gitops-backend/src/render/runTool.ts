import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Finds an executable on PATH, or undefined. */
export function findOnPath(binary: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, binary);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

/** Runs a tool and returns its stdout; the error carries its stderr. */
export function runTool(
  binary: string,
  args: string[],
  options: { cwd: string; timeoutMs?: number },
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      binary,
      args,
      {
        cwd: options.cwd,
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 256 * 1024 * 1024,
        env: { ...process.env, KUBECONFIG: '/dev/null' },
      },
      (error, stdout, stderr) => {
        if (error) {
          const detail = (stderr || error.message).trim().split('\n').slice(-5);
          reject(
            new Error(`${path.basename(binary)} failed: ${detail.join(' ')}`),
          );
        } else {
          resolve(stdout);
        }
      },
    );
  });
}
