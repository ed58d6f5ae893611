import { execFile } from 'node:child_process';

/** What a git command needs beyond its arguments. */
export interface GitRunOptions {
  /** The folder it runs in. */
  cwd: string;
  /** A private, empty HOME, so the backend user's git config and keys stay out. */
  home: string;
  /** `git -c` settings passed through the environment (never argv, which `ps` shows). */
  config?: Array<[string, string]>;
  /** Strings that must never appear in an error (tokens, Authorization headers). */
  secrets?: string[];
  /** Author and committer of the commits it makes. */
  identity?: { name: string; email: string };
  signal?: AbortSignal;
}

/** Replaces every secret in the text, so it can be logged or shown. */
export function maskSecrets(text: string, secrets: string[] = []): string {
  let masked = text;
  for (const secret of secrets) {
    if (secret) masked = masked.split(secret).join('***');
  }
  // A credential embedded in a URL (https://user:token@host) by whoever
  // configured the repository never reaches a message either.
  return masked.replace(/(\w+:\/\/[^/\s:@]+:)[^@\s/]+@/g, '$1***@');
}

/**
 * Runs the real git CLI with a minimal environment: no system or global
 * config, no prompt for credentials, and only the settings given. Errors
 * carry git's own message with secrets masked.
 */
export function runGit(
  args: string[],
  options: GitRunOptions,
): Promise<string> {
  const config = options.config ?? [];
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: options.home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    // Ordinary transports only: no ext:: or fd:: helpers from a hostile URL.
    GIT_ALLOW_PROTOCOL: 'https:http:git:ssh:file',
    GIT_ASKPASS: 'echo',
    LANG: 'C',
    GIT_CONFIG_COUNT: String(config.length),
  };
  config.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  if (options.identity) {
    env.GIT_AUTHOR_NAME = options.identity.name;
    env.GIT_AUTHOR_EMAIL = options.identity.email;
    env.GIT_COMMITTER_NAME = options.identity.name;
    env.GIT_COMMITTER_EMAIL = options.identity.email;
  }
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      {
        cwd: options.cwd,
        env,
        signal: options.signal,
        maxBuffer: 16 * 1024 * 1024,
        timeout: 5 * 60_000,
      },
      (error, stdout, stderr) => {
        if (error) {
          const detail = maskSecrets(
            String(stderr || error.message).trim(),
            options.secrets,
          );
          reject(
            new Error(
              `git ${maskSecrets(
                args[0] ?? '',
                options.secrets,
              )} failed: ${detail}`,
            ),
          );
          return;
        }
        resolve(String(stdout).trim());
      },
    );
  });
}
