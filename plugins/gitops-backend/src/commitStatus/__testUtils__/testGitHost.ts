import http from 'node:http';
import net from 'node:net';
import { startGitHttpServer } from '../../__testUtils__/gitRepos';
import type { Provider } from '../statusEndpoint';

/** A commit status call the host accepted or refused. */
export interface RecordedStatus {
  provider: Provider;
  /** Owner/repository (GitHub, Gitea) or the decoded project path (GitLab). */
  repo: string;
  sha: string;
  /** The request's headers, all of them, to check what was sent. */
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
  /** The HTTP status it answered. */
  answered: number;
}

const STATES: Record<Provider, string[]> = {
  github: ['pending', 'success', 'failure', 'error'],
  gitlab: ['pending', 'running', 'success', 'failed', 'canceled'],
  gitea: ['pending', 'success', 'error', 'failure', 'warning'],
};

/**
 * A Git host for tests: Git over smart HTTP behind the credentials Mooring
 * fetches with, and the commit status endpoint of GitHub
 * (`/api/v3/repos/{owner}/{repo}/statuses/{sha}`), GitLab
 * (`/api/v4/projects/{path}/statuses/{sha}`) or Gitea
 * (`/api/v1/repos/{owner}/{repo}/statuses/{sha}`) behind the header that
 * API takes. Checks each body as the real API does (known states, GitHub's
 * 140-character description, GitLab refusing a running status that is
 * running already) and records every call.
 */
export async function startTestGitHost(options: {
  provider: Provider;
  /** Folder whose bare repositories are served. */
  root: string;
  token: string;
  /** Gitea: the integration's username (Basic authentication). */
  username?: string;
  /** Each status call is answered this much later (to see calls overlap). */
  delayMs?: number;
}) {
  const { provider, token } = options;
  // The user Mooring fetches as, with the token as password.
  const gitUsers: Record<Provider, string> = {
    github: 'x-access-token',
    gitlab: 'oauth2',
    gitea: options.username ?? 'git',
  };
  const gitUser = gitUsers[provider];
  const git = await startGitHttpServer(options.root, {
    user: gitUser,
    password: token,
  });
  const gitOrigin = new URL(git.baseUrl);
  const calls: RecordedStatus[] = [];
  /** Answers to give instead of the real one, first to last. */
  const faults: {
    code: number;
    when: (body: Record<string, unknown>) => boolean;
  }[] = [];
  /** GitLab: the state of each (project, sha, name). */
  const gitlabStates = new Map<string, string>();
  const load = { inFlight: 0, maxInFlight: 0 };
  /** While set, status calls wait for it before being answered. */
  let gate: { promise: Promise<void>; open: () => void } | undefined;

  const expectedAuth = (headers: http.IncomingHttpHeaders) => {
    if (provider === 'github')
      return headers.authorization === `Bearer ${token}`;
    if (provider === 'gitlab') return headers['private-token'] === token;
    const basic = Buffer.from(`${options.username}:${token}`).toString(
      'base64',
    );
    return options.username
      ? headers.authorization?.toLowerCase() === `basic ${basic}`.toLowerCase()
      : headers.authorization === `token ${token}`;
  };

  const route = (pathname: string) => {
    const patterns: Record<Provider, RegExp> = {
      github: /^\/api\/v3\/repos\/([^/]+\/[^/]+)\/statuses\/([0-9a-f]{40})$/,
      gitlab: /^\/api\/v4\/projects\/([^/]+)\/statuses\/([0-9a-f]{40})$/,
      gitea: /^\/api\/v1\/repos\/([^/]+\/[^/]+)\/statuses\/([0-9a-f]{40})$/,
    };
    const match = patterns[provider].exec(pathname);
    return match && { repo: decodeURIComponent(match[1]), sha: match[2] };
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (!url.pathname.startsWith('/api/')) {
      // Git: passed on to the smart HTTP server.
      const upstream = http.request(
        {
          host: gitOrigin.hostname,
          port: gitOrigin.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        answer => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
      return;
    }
    const chunks: Buffer[] = [];
    load.inFlight++;
    load.maxInFlight = Math.max(load.maxInFlight, load.inFlight);
    req.on('data', chunk => chunks.push(chunk));
    req.on('end', async () => {
      if (options.delayMs) {
        await new Promise(resolve => setTimeout(resolve, options.delayMs));
      }
      if (gate) await gate.promise;
      const found = req.method === 'POST' && route(url.pathname);
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      } catch {
        body = {};
      }
      const answer = (code: number, payload: unknown) => {
        load.inFlight--;
        if (found) {
          calls.push({
            provider,
            repo: found.repo,
            sha: found.sha,
            headers: req.headers,
            body,
            answered: code,
          });
        }
        res.writeHead(code, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(payload));
      };
      if (!found) return answer(404, { message: 'Not Found' });
      if (!expectedAuth(req.headers)) {
        return answer(401, { message: 'Bad credentials' });
      }
      const fault = faults.findIndex(f => f.when(body));
      if (fault >= 0) {
        const [{ code }] = faults.splice(fault, 1);
        return answer(code, { message: `Injected ${code}` });
      }
      const state = String(body.state ?? '');
      if (!STATES[provider].includes(state)) {
        return answer(422, { message: `state ${state} is not valid` });
      }
      if (
        provider === 'github' &&
        String(body.description ?? '').length > 140
      ) {
        return answer(422, {
          message: 'description is too long (maximum is 140 characters)',
        });
      }
      if (provider === 'gitlab') {
        const key = `${found.repo}\n${found.sha}\n${body.name}`;
        if (gitlabStates.get(key) === state && state === 'running') {
          return answer(400, {
            message: 'Cannot transition status via :run from :running',
          });
        }
        gitlabStates.set(key, state);
      }
      return answer(201, { id: calls.length + 1, ...body });
    });
  });
  await new Promise<void>(resolve =>
    server.listen(0, '127.0.0.1', () => resolve()),
  );
  const { port } = server.address() as net.AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  const host = `127.0.0.1:${port}`;

  /** The `integrations` config that makes Mooring use this host. */
  const integrations = {
    github: { host, apiBaseUrl: `${baseUrl}/api/v3`, token },
    gitlab: { host, baseUrl, apiBaseUrl: `${baseUrl}/api/v4`, token },
    gitea: {
      host,
      baseUrl,
      ...(options.username ? { username: options.username } : {}),
      password: token,
    },
  }[provider];

  return {
    baseUrl,
    /** URL of the repository `root/<path>` (a bare repository). */
    repoUrl: (path: string) => `${baseUrl}/${path}`,
    integrationsConfig: { [provider]: [integrations] },
    calls,
    /** Status calls being answered now, and the most at once so far. */
    load,
    /** Holds every status call unanswered until `resume`. */
    pause() {
      let open = () => {};
      const promise = new Promise<void>(resolve => {
        open = resolve;
      });
      gate = { promise, open };
    },
    resume() {
      gate?.open();
      gate = undefined;
    },
    /**
     * The next status calls (those whose body `when` accepts) answer these
     * HTTP statuses instead, one each.
     */
    failNext: (
      codes: number[],
      when: (body: Record<string, unknown>) => boolean = () => true,
    ) => faults.push(...codes.map(code => ({ code, when }))),
    async stop() {
      await new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      await git.stop();
    },
  };
}
