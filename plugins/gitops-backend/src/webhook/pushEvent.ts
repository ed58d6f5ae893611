import { AuthenticationError, InputError } from '@backstage/errors';
import crypto from 'node:crypto';

/** The Git hosts whose push events Mooring understands. */
export type WebhookProvider = 'github' | 'gitlab' | 'gitea';

/** What a push event says, whatever host sent it. */
export interface PushEvent {
  provider: WebhookProvider;
  /** Every URL the host gives for the repository (clone, SSH, web). */
  repoUrls: string[];
  /** `refs/heads/main` → branch `main`; a tag push gives `tag`. */
  branch?: string;
  tag?: string;
  /** The repository's default branch, when the host says. */
  defaultBranch?: string;
  /** The pushed commit. */
  after?: string;
}

type Headers = Record<string, string | string[] | undefined>;

function header(headers: Headers, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** Which host sent the request, from its event header. */
export function detectProvider(headers: Headers): WebhookProvider | undefined {
  // Gitea also sends GitHub's headers, so it is checked first.
  if (header(headers, 'x-gitea-event')) return 'gitea';
  if (header(headers, 'x-gitlab-event')) return 'gitlab';
  if (header(headers, 'x-github-event')) return 'github';
  return undefined;
}

/** The event name (`push`, `ping`, `Push Hook`…). */
export function eventName(headers: Headers, provider: WebhookProvider): string {
  const name = {
    github: 'x-github-event',
    gitlab: 'x-gitlab-event',
    gitea: 'x-gitea-event',
  }[provider];
  return header(headers, name) ?? '';
}

/** True for the events that mean "new commits": push and tag push. */
export function isPushEvent(provider: WebhookProvider, name: string): boolean {
  if (provider === 'gitlab') {
    return name === 'Push Hook' || name === 'Tag Push Hook';
  }
  return name === 'push';
}

function timingSafeEqualText(a: string, b: string): boolean {
  // Hashing first gives equal lengths, so the comparison time says nothing
  // about the secret, not even its length.
  const ha = crypto.createHash('sha256').update(a).digest();
  const hb = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(ha, hb);
}

/**
 * Checks that the request comes from a host that knows the webhook secret:
 * an HMAC-SHA256 of the raw body for GitHub and Gitea, the secret itself in
 * `X-Gitlab-Token` for GitLab. Throws `AuthenticationError` otherwise.
 */
export function verifySignature(options: {
  provider: WebhookProvider;
  headers: Headers;
  body: Buffer;
  secret: string;
}): void {
  const { provider, headers, body, secret } = options;
  if (provider === 'gitlab') {
    const token = header(headers, 'x-gitlab-token');
    if (!token) {
      throw new AuthenticationError(
        'GitLab webhook has no X-Gitlab-Token header; set the webhook secret token to gitops.webhookSecret',
      );
    }
    if (!timingSafeEqualText(token, secret)) {
      throw new AuthenticationError(
        'GitLab webhook token does not match gitops.webhookSecret',
      );
    }
    return;
  }

  const raw =
    provider === 'gitea'
      ? header(headers, 'x-gitea-signature') ??
        header(headers, 'x-hub-signature-256')
      : header(headers, 'x-hub-signature-256');
  if (!raw) {
    throw new AuthenticationError(
      `${
        provider === 'github' ? 'GitHub' : 'Gitea'
      } webhook is not signed; set the webhook secret to gitops.webhookSecret`,
    );
  }
  const given = raw.replace(/^sha256=/, '').toLowerCase();
  const expected = crypto
    .createHmac('sha256', secret)
    .update(body)
    .digest('hex');
  if (!timingSafeEqualText(given, expected)) {
    throw new AuthenticationError(
      'Webhook signature does not match the body signed with gitops.webhookSecret',
    );
  }
}

/** Reads the repository and ref of a push event; throws `InputError` for anything else. */
export function parsePushEvent(
  provider: WebhookProvider,
  payload: unknown,
): PushEvent {
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new InputError('Webhook body must be a JSON object (a push event)');
  }
  const p = payload as Record<string, any>;
  const ref = typeof p.ref === 'string' ? p.ref : undefined;
  if (!ref) {
    throw new InputError('Push event has no "ref"; is this a push event?');
  }
  const repoUrls: unknown[] =
    provider === 'gitlab'
      ? [
          p.project?.git_http_url,
          p.project?.git_ssh_url,
          p.project?.web_url,
          p.repository?.git_http_url,
          p.repository?.git_ssh_url,
          p.repository?.homepage,
        ]
      : [
          p.repository?.clone_url,
          p.repository?.ssh_url,
          p.repository?.git_url,
          p.repository?.html_url,
        ];
  const urls = [
    ...new Set(
      repoUrls.filter((u): u is string => typeof u === 'string' && !!u),
    ),
  ];
  if (urls.length === 0) {
    throw new InputError(
      'Push event names no repository URL (repository.clone_url or project.git_http_url)',
    );
  }
  const defaultBranch =
    provider === 'gitlab'
      ? p.project?.default_branch
      : p.repository?.default_branch;
  return {
    provider,
    repoUrls: urls,
    branch: ref.startsWith('refs/heads/')
      ? ref.slice('refs/heads/'.length)
      : undefined,
    tag: ref.startsWith('refs/tags/')
      ? ref.slice('refs/tags/'.length)
      : undefined,
    defaultBranch:
      typeof defaultBranch === 'string' ? defaultBranch : undefined,
    after: typeof p.after === 'string' ? p.after : undefined,
  };
}

/**
 * A repository URL reduced to host and path, so that the clone, SSH and web
 * URLs of one repository compare equal (`https://h/o/r.git`, `git@h:o/r`,
 * `git://h:9418/o/r.git` → `h/o/r`).
 */
export function repoKey(url: string): string {
  let rest = url.trim();
  const scp = /^[\w.-]+@([^:/]+):(.*)$/.exec(rest);
  if (scp) {
    rest = `${scp[1]}/${scp[2]}`;
  } else {
    rest = rest.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/^[^@/]*@/, '');
  }
  const slash = rest.indexOf('/');
  const host = (slash < 0 ? rest : rest.slice(0, slash))
    .toLowerCase()
    .replace(/:\d+$/, '');
  const path = (slash < 0 ? '' : rest.slice(slash))
    .replace(/\/+$/, '')
    .replace(/\.git$/, '')
    .toLowerCase();
  return `${host}${path}`;
}

/** True when a push of `event` should refresh an application following `source`. */
export function pushAffects(
  event: PushEvent,
  source: { repoUrl: string; revision: string },
): boolean {
  const key = repoKey(source.repoUrl);
  if (!event.repoUrls.some(u => repoKey(u) === key)) {
    return false;
  }
  if (event.tag !== undefined) {
    return source.revision === event.tag;
  }
  if (event.branch === undefined) {
    return false;
  }
  if (!source.revision) {
    // Follows the default branch: when the host does not say which that is,
    // a refresh costs little and misses nothing.
    return !event.defaultBranch || event.defaultBranch === event.branch;
  }
  return (
    source.revision === event.branch ||
    source.revision === `refs/heads/${event.branch}`
  );
}
