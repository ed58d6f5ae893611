import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { recordGitFetch } from '../metrics';
import { LRUCache } from 'lru-cache';
import type { LoggerService } from '@backstage/backend-plugin-api';
import {
  DefaultGithubCredentialsProvider,
  ScmIntegrations,
} from '@backstage/integration';
import type { CommitInfo } from '@mooring/plugin-gitops-common';
import { RenderLimitError, RenderLimits } from '../render/renderLimits';
import { checkCheckoutSize } from './checkCheckoutSize';
import { toolEnvironment } from '../render/runTool';
import { checkRepoUrl, gitCredentialConfig } from '@mooring/plugin-gitops-node';

/** How many checked-out commits of one repository stay on disk. */
const TREES_KEPT_PER_REPO = 4;
/** How many single-folder checkouts of one repository stay on disk. */
const PARTIAL_TREES_KEPT = 256;
/**
 * The most bytes of file names one diff may list (some 40,000 paths): a
 * commit that rewrites more is treated as changing everything.
 */
const MAX_DIFF_BYTES = 4 * 1024 * 1024;
/** The most bytes any other Git command may print before it is stopped. */
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

/** A full commit id, as Git prints one (SHA-1 or SHA-256). */
const FULL_SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i;
/** The most of what Git printed on stderr an error message keeps (its end). */
const MAX_ERROR_CHARS = 4096;

function hash(text: string) {
  return crypto.createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** A Git source error; says which repository and what to check. */
export class SourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SourceError';
  }
}

/** Refuses, before it names a path or reaches a command line, what is not a commit id. */
function checkSha(repoUrl: string, sha: string) {
  if (!FULL_SHA.test(sha)) {
    throw new SourceError(`"${sha}" is not a full commit SHA of ${repoUrl}`);
  }
}

/**
 * Git repositories the engine pulls from: one bare clone per repository in
 * the working directory, fetched at most once at a time however many
 * applications use it, and read-only checkouts of single commits to render.
 */
export class GitSource {
  private readonly inFlight = new Map<string, Promise<unknown>>();
  private readonly heads = new Map<
    string,
    { refs: Map<string, string>; at: number }
  >();
  /** Recent checkouts per repository and kind (whole or partial), by name. */
  private readonly trees = new Map<string, LRUCache<string, string>>();
  private readonly diffs = new LRUCache<string, string[]>({
    max: 64,
    maxSize: 4 * MAX_DIFF_BYTES,
    sizeCalculation: files =>
      files.reduce((bytes, file) => bytes + file.length + 1, 1),
  });
  private readonly commits = new LRUCache<string, CommitInfo>({ max: 256 });
  /** Commits some listing of a repository named as a branch or tag, by repository. */
  private readonly seenHeads = new Map<string, LRUCache<string, true>>();
  private readonly githubCredentials?: DefaultGithubCredentialsProvider;

  constructor(
    private readonly options: {
      workingDirectory: string;
      allowedRepos: string[];
      integrations?: ScmIntegrations;
      logger: LoggerService;
      timeoutMs?: number;
      /** Checked before a checkout is written: total bytes and files. */
      limits?: Pick<RenderLimits, 'maxRepositoryBytes' | 'maxFiles'>;
      /** The most bytes of file names one diff may list (default 4 MiB). */
      maxDiffBytes?: number;
    },
  ) {
    if (options.integrations) {
      this.githubCredentials =
        DefaultGithubCredentialsProvider.fromIntegrations(options.integrations);
    }
  }

  /** Throws a clear error when the URL is unsafe or not allowed. */
  check(repoUrl: string) {
    checkRepoUrl(repoUrl, this.options.allowedRepos);
  }

  private repoDir(repoUrl: string) {
    return path.join(
      this.options.workingDirectory,
      'repos',
      `${hash(repoUrl)}.git`,
    );
  }

  private once<T>(key: string, work: () => Promise<T>): Promise<T> {
    const running = this.inFlight.get(key);
    if (running) return running as Promise<T>;
    const promise = work().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, promise);
    return promise;
  }

  /** A HOME of Git's own, private to the backend, so no user config or credential store applies. */
  private async gitHome(): Promise<string> {
    const home = path.join(this.options.workingDirectory, 'git-home');
    await fs.mkdir(home, { recursive: true, mode: 0o700 });
    return home;
  }

  /**
   * Runs `git` with a minimal environment (see `toolEnvironment`) and its
   * config, credentials included, given through `GIT_CONFIG_*` variables:
   * never on the command line, where every user of the host sees it in
   * `ps`. Resolves to what it printed; rejects with what it printed on
   * stderr. It settles as soon as Git exits: Git's run time, no more.
   */
  private async git(
    repoUrl: string,
    args: string[],
    options: { cwd?: string; maxBuffer?: number } = {},
  ): Promise<string> {
    const env = await this.gitEnvironment(repoUrl);
    const timeout = this.options.timeoutMs ?? 120_000;
    return new Promise((resolve, reject) =>
      execFile(
        'git',
        args,
        {
          cwd: options.cwd,
          env,
          maxBuffer: options.maxBuffer ?? MAX_OUTPUT_BYTES,
          timeout,
          // SIGTERM: Git removes its lock files on the way out.
          killSignal: 'SIGTERM',
          encoding: 'utf8',
        },
        (error, stdout, stderr) => {
          if (!error) {
            resolve(stdout);
            return;
          }
          const failed = error as NodeJS.ErrnoException & { killed?: boolean };
          let message = String(stderr).trim().slice(-MAX_ERROR_CHARS);
          if (failed.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
            message = `git ${args[0]} printed more than ${
              options.maxBuffer ?? MAX_OUTPUT_BYTES
            } bytes`;
          } else if (failed.killed) {
            message = `git ${args[0]} did not finish within ${timeout} ms`;
          }
          message ||= failed.message;
          reject(Object.assign(new Error(message), { code: failed.code }));
        },
      ),
    );
  }

  /** The environment `git` runs in (see `git`). */
  private async gitEnvironment(
    repoUrl: string,
  ): Promise<Record<string, string>> {
    const config: Array<[string, string]> = [
      ['protocol.ext.allow', 'never'],
      ...(
        await gitCredentialConfig(
          repoUrl,
          this.options.integrations,
          this.githubCredentials,
        )
      ).config,
    ];
    const configEnv: Record<string, string> = {
      GIT_CONFIG_COUNT: String(config.length),
    };
    config.forEach(([key, value], i) => {
      configEnv[`GIT_CONFIG_KEY_${i}`] = key;
      configEnv[`GIT_CONFIG_VALUE_${i}`] = value;
    });
    const sshAgent = process.env.SSH_AUTH_SOCK;
    return toolEnvironment(await this.gitHome(), {
      GIT_TERMINAL_PROMPT: '0',
      ...(sshAgent ? { SSH_AUTH_SOCK: sshAgent } : {}),
      ...configEnv,
    });
  }

  private failure(
    repoUrl: string,
    action: string,
    error: unknown,
  ): SourceError {
    const lines = String((error as Error)?.message ?? error)
      .replace(/Authorization: Basic \S+/g, 'Authorization: Basic ***')
      .split('\n')
      .map(line => line.trim())
      .filter(Boolean);
    // Git's own verdict where it gave one, not the advice printed after it.
    const verdicts = lines.filter(line => /^(fatal|error):/.test(line));
    const detail = (verdicts.length ? verdicts : lines).slice(-3).join(' ');
    return new SourceError(
      `Could not ${action} ${repoUrl}: ${detail}. Check that the Git server is up and the repository exists`,
    );
  }

  /**
   * The repository's branches and tags with their commits (`git ls-remote`):
   * cheap, so it tells whether anything changed without a fetch.
   */
  async listRemote(
    repoUrl: string,
    options: { maxAgeMs?: number } = {},
  ): Promise<Map<string, string>> {
    this.check(repoUrl);
    const known = this.heads.get(repoUrl);
    if (known && options.maxAgeMs && Date.now() - known.at < options.maxAgeMs) {
      return known.refs;
    }
    return this.once(`ls-remote ${repoUrl}`, async () => {
      let output: string;
      try {
        output = await this.git(repoUrl, ['ls-remote', '--symref', repoUrl]);
      } catch (error) {
        throw this.failure(repoUrl, 'list the branches of', error);
      }
      const refs = new Map<string, string>();
      for (const line of output.split('\n')) {
        const symref = /^ref: (\S+)\tHEAD$/.exec(line);
        if (symref) {
          refs.set('symref:HEAD', symref[1]);
          continue;
        }
        const [sha, ref] = line.split('\t');
        if (sha && ref && FULL_SHA.test(sha)) refs.set(ref, sha);
      }
      this.heads.set(repoUrl, { refs, at: Date.now() });
      let seen = this.seenHeads.get(repoUrl);
      if (!seen) {
        seen = new LRUCache<string, true>({ max: 4096 });
        this.seenHeads.set(repoUrl, seen);
      }
      for (const [ref, sha] of refs) {
        if (!ref.startsWith('symref:')) seen.set(sha, true);
      }
      return refs;
    });
  }

  /**
   * True when a listing of the repository by this process has named `sha`
   * as a branch or tag head: a branch this process resolves since then is at
   * that commit or past it (or was moved back on purpose). A commit another
   * replica synced that is not among them may be newer than what this
   * process knows.
   */
  seenAsHead(repoUrl: string, sha: string): boolean {
    return this.seenHeads.get(repoUrl)?.has(sha) ?? false;
  }

  /** Resolves a branch, tag or commit (empty: the default branch) to a commit SHA. */
  async resolve(
    repoUrl: string,
    revision: string,
    options: { maxAgeMs?: number } = {},
  ): Promise<string> {
    const refs = await this.listRemote(repoUrl, options);
    if (FULL_SHA.test(revision)) return revision.toLowerCase();
    const wanted =
      revision || refs.get('symref:HEAD')?.replace(/^refs\/heads\//, '');
    if (!wanted) {
      throw new SourceError(
        `${repoUrl} has no default branch; name a revision`,
      );
    }
    for (const ref of [
      `refs/tags/${wanted}^{}`,
      `refs/heads/${wanted}`,
      `refs/tags/${wanted}`,
      wanted,
    ]) {
      const sha = refs.get(ref);
      if (sha) return sha;
    }
    if (/^[0-9a-f]{7,63}$/i.test(wanted)) {
      await this.fetch(repoUrl);
      try {
        return (
          await this.git(
            repoUrl,
            ['rev-parse', '--verify', `${wanted}^{commit}`],
            { cwd: this.repoDir(repoUrl) },
          )
        ).trim();
      } catch {
        // fall through to the error below
      }
    }
    throw new SourceError(
      `Revision "${wanted}" is not a branch, tag or commit of ${repoUrl}`,
    );
  }

  /** Fetches all branches and tags into the local clone (cloning it the first time). */
  async fetch(repoUrl: string): Promise<void> {
    this.check(repoUrl);
    await this.once(`fetch ${repoUrl}`, async () => {
      const dir = this.repoDir(repoUrl);
      const started = Date.now();
      let ok = false;
      try {
        await fs.mkdir(dir, { recursive: true });
        if (!(await fs.stat(path.join(dir, 'HEAD')).catch(() => undefined))) {
          await this.git(repoUrl, ['init', '--bare', '--quiet'], { cwd: dir });
        }
        const fetchAll = () =>
          this.git(
            repoUrl,
            [
              'fetch',
              '--quiet',
              '--prune',
              '--force',
              '--no-recurse-submodules',
              repoUrl,
              '+refs/heads/*:refs/heads/*',
              '+refs/tags/*:refs/tags/*',
            ],
            { cwd: dir },
          );
        await fetchAll().catch(async error => {
          // A Git stopped without its cleanup (this process killed) leaves
          // its lock files, and every fetch after it would fail on them.
          if (
            !/\.lock'?: File exists/.test(String(error?.message)) ||
            !(await this.removeStaleLocks(dir))
          ) {
            throw error;
          }
          await fetchAll();
        });
        ok = true;
      } catch (error) {
        throw this.failure(repoUrl, 'fetch', error);
      } finally {
        recordGitFetch((Date.now() - started) / 1000, ok);
      }
    });
  }

  /**
   * Removes the ref lock files of a clone older than the Git timeout: no Git
   * of this process (the only one using the clone) can still hold them.
   * True when there were any.
   */
  private async removeStaleLocks(dir: string): Promise<boolean> {
    const before = Date.now() - (this.options.timeoutMs ?? 120_000);
    const names = [
      ...(await fs.readdir(dir)),
      ...(await fs.readdir(path.join(dir, 'refs'), { recursive: true })).map(
        name => path.join('refs', name),
      ),
    ].filter(name => name.endsWith('.lock'));
    let removed = false;
    for (const name of names) {
      const file = path.join(dir, name);
      const stat = await fs.lstat(file).catch(() => undefined);
      if (stat?.isFile() && stat.mtimeMs < before) {
        await fs.rm(file, { force: true });
        this.options.logger.warn(`Removed ${file}, left by a stopped Git`);
        removed = true;
      }
    }
    return removed;
  }

  private async hasCommit(repoUrl: string, sha: string) {
    try {
      await this.git(repoUrl, ['cat-file', '-e', `${sha}^{commit}`], {
        cwd: this.repoDir(repoUrl),
      });
      return true;
    } catch {
      return false;
    }
  }

  /** Makes sure a commit is in the local clone, fetching when it is not. */
  async ensureCommit(repoUrl: string, sha: string): Promise<void> {
    checkSha(repoUrl, sha);
    if (await this.hasCommit(repoUrl, sha)) return;
    await this.fetch(repoUrl);
    if (!(await this.hasCommit(repoUrl, sha))) {
      throw new SourceError(`Commit ${sha} is not in ${repoUrl}`);
    }
  }

  /**
   * Files that differ between two commits, shared by every application of
   * the repository. `to` is fetched when missing; `from` must be in the
   * clone already (a commit a force push dropped may not be): a
   * `SourceError` then, as when the commits touch too many files to list.
   */
  async changedFiles(
    repoUrl: string,
    from: string,
    to: string,
  ): Promise<string[]> {
    for (const sha of [from, to]) {
      if (!FULL_SHA.test(sha)) {
        throw new SourceError(
          `Cannot list the changes of ${repoUrl} from "${from}" to "${to}": both must be full commit SHAs`,
        );
      }
    }
    const key = `${repoUrl} ${from} ${to}`;
    const known = this.diffs.get(key);
    if (known) return known;
    const files = await this.once(`diff ${key}`, async () => {
      await this.ensureCommit(repoUrl, to);
      const maxBuffer = this.options.maxDiffBytes ?? MAX_DIFF_BYTES;
      const output = await this.git(
        repoUrl,
        ['diff', '--name-only', '--no-renames', '-z', from, to, '--'],
        { cwd: this.repoDir(repoUrl), maxBuffer },
      ).catch(error => {
        const detail =
          (error as NodeJS.ErrnoException).code ===
          'ERR_CHILD_PROCESS_STDIO_MAXBUFFER'
            ? `they differ in more files than ${maxBuffer} bytes of names list`
            : String((error as Error).message)
                .trim()
                .split('\n')
                .slice(-1)[0];
        throw new SourceError(
          `Could not list the files changed from ${from} to ${to} in ${repoUrl}: ${detail}`,
        );
      });
      return output.split('\0').filter(Boolean);
    });
    this.diffs.set(key, files);
    return files;
  }

  /**
   * Author, message and date of a commit, for history: read once however
   * many applications ask at a time, and remembered.
   */
  async commitInfo(repoUrl: string, sha: string): Promise<CommitInfo> {
    checkSha(repoUrl, sha);
    const key = `${repoUrl} ${sha}`;
    const known = this.commits.get(key);
    if (known) return known;
    return this.once(`log ${key}`, async () => {
      await this.ensureCommit(repoUrl, sha);
      const output = await this.git(
        repoUrl,
        ['log', '-1', '--format=%H%x00%an <%ae>%x00%s%x00%cI', sha],
        { cwd: this.repoDir(repoUrl) },
      );
      const [fullSha, author, message, date] = output.trim().split('\0');
      const info = { sha: fullSha, author, message, date };
      this.commits.set(key, info);
      return info;
    });
  }

  /**
   * A read-only folder holding the files of one commit (or, with `subPath`,
   * only that folder of it, laid out as in the repository), shared by every
   * application rendering it. Only a few recent checkouts are kept.
   */
  async checkout(
    repoUrl: string,
    sha: string,
    subPath?: string,
  ): Promise<string> {
    checkSha(repoUrl, sha);
    const repoHash = hash(repoUrl);
    const name = subPath ? `${sha}-${hash(subPath)}` : sha;
    const dir = path.join(
      this.options.workingDirectory,
      'trees',
      repoHash,
      name,
    );
    const result = await this.once(`checkout ${dir}`, async () => {
      if (await fs.stat(dir).catch(() => undefined)) return dir;
      await this.ensureCommit(repoUrl, sha);
      const staging = `${dir}.${process.pid}.${Date.now()}.tmp`;
      await fs.mkdir(staging, { recursive: true });
      const archive = `${staging}.tar`;
      try {
        const cwd = this.repoDir(repoUrl);
        if (this.options.limits) {
          await checkCheckoutSize(
            args => this.git(repoUrl, args, { cwd }),
            sha,
            subPath,
            this.options.limits,
          );
        }
        await this.git(
          repoUrl,
          [
            'archive',
            '--format=tar',
            '-o',
            archive,
            sha,
            ...(subPath ? ['--', subPath] : []),
          ],
          { cwd },
        );
        await new Promise<void>((resolve, reject) =>
          execFile(
            'tar',
            ['-xf', archive, '-C', staging, '--no-same-owner'],
            { env: toolEnvironment(staging) },
            error => (error ? reject(error) : resolve()),
          ),
        );
        await fs.rename(staging, dir);
      } catch (error) {
        await fs.rm(staging, { recursive: true, force: true });
        if (error instanceof RenderLimitError) throw error;
        throw this.failure(repoUrl, `check out ${sha} of`, error);
      } finally {
        await fs.rm(archive, { force: true });
      }
      return dir;
    });
    this.remember(
      repoHash,
      name,
      subPath ? PARTIAL_TREES_KEPT : TREES_KEPT_PER_REPO,
    );
    return result;
  }

  /** Keeps a checkout among the `keep` most recent of its kind, removing the oldest. */
  private remember(repoHash: string, name: string, keep: number) {
    const listKey = `${repoHash}/${keep}`;
    let recent = this.trees.get(listKey);
    if (!recent) {
      recent = new LRUCache<string, string>({
        max: keep,
        dispose: (dir, _name, reason) => {
          if (reason !== 'evict') return;
          fs.rm(dir, { recursive: true, force: true }).catch(error =>
            this.options.logger.warn(
              `Could not remove old checkout ${dir}: ${error}`,
            ),
          );
        },
      });
      this.trees.set(listKey, recent);
    }
    recent.set(
      name,
      path.join(this.options.workingDirectory, 'trees', repoHash, name),
    );
  }
}
