import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  DEFAULT_RENDER_LIMITS,
  RenderLimitError,
  RenderLimits,
} from './renderLimits';

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

/** Variables of the backend's environment a tool may see; nothing else is passed. */
const INHERITED = ['PATH', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR'];

/**
 * The whole environment of a tool the backend runs on a repository's files
 * (`helm`, `kubectl kustomize`, `git`): PATH and locale only, `home` as HOME
 * and every cache and config folder, no kubeconfig, plus `extra`. Backend
 * secrets, cluster tokens and cloud credentials in the backend's environment
 * never reach a tool that renders a repository someone else wrote.
 */
export function toolEnvironment(
  home: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return {
    ...env,
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
    XDG_DATA_HOME: path.join(home, '.local', 'share'),
    KUBECONFIG: '/dev/null',
    ...extra,
  };
}

/**
 * Environment that keeps a tool off the network: every proxy variable points
 * at a closed port (tools that honour them fail at once), and Git may only
 * read local repositories.
 */
export const OFFLINE_ENVIRONMENT: Record<string, string> = {
  HTTP_PROXY: 'http://127.0.0.1:9',
  HTTPS_PROXY: 'http://127.0.0.1:9',
  ALL_PROXY: 'http://127.0.0.1:9',
  http_proxy: 'http://127.0.0.1:9',
  https_proxy: 'http://127.0.0.1:9',
  all_proxy: 'http://127.0.0.1:9',
  NO_PROXY: '',
  no_proxy: '',
  GIT_ALLOW_PROTOCOL: 'file',
  GIT_TERMINAL_PROMPT: '0',
};

/** Options of {@link runTool}. */
export interface RunToolOptions {
  cwd: string;
  /**
   * The tool is stopped after `maxRenderMs` and refused when its output
   * passes `maxManifestBytes`; the defaults when not given.
   */
  limits?: RenderLimits;
  /** Added to the minimal environment of {@link toolEnvironment}. */
  env?: Record<string, string>;
}

/**
 * Runs a tool with a minimal environment and a HOME of its own (a private
 * temporary folder, removed afterwards) and returns its stdout; the error
 * carries its stderr.
 */
export async function runTool(
  binary: string,
  args: string[],
  options: RunToolOptions,
): Promise<string> {
  const limits = options.limits ?? DEFAULT_RENDER_LIMITS;
  const name = path.basename(binary);
  const home = await fs.promises.mkdtemp(
    path.join(os.tmpdir(), 'mooring-tool-'),
  );
  try {
    return await new Promise((resolve, reject) => {
      execFile(
        binary,
        args,
        {
          cwd: options.cwd,
          timeout: limits.maxRenderMs,
          maxBuffer: limits.maxManifestBytes,
          env: toolEnvironment(home, options.env),
        },
        (error, stdout, stderr) => {
          if (!error) {
            resolve(stdout);
            return;
          }
          if ((error as any).code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
            reject(
              new RenderLimitError(
                'maxManifestBytes',
                limits,
                `${name} printed more than ${limits.maxManifestBytes} bytes`,
              ),
            );
            return;
          }
          if (error.killed && error.signal === 'SIGTERM') {
            reject(
              new RenderLimitError(
                'maxRenderMs',
                limits,
                `${name} did not finish within ${
                  limits.maxRenderMs / 1000
                } seconds`,
              ),
            );
            return;
          }
          const detail = (stderr || error.message).trim().split('\n').slice(-5);
          reject(new Error(`${name} failed: ${detail.join(' ')}`));
        },
      );
    });
  } finally {
    await fs.promises.rm(home, { recursive: true, force: true });
  }
}
