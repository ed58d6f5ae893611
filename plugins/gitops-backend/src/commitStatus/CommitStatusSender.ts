import type { LoggerService } from '@backstage/backend-plugin-api';
import { LRUCache } from 'lru-cache';
import pLimit from 'p-limit';
import pRetry from 'p-retry';
import { CommitStatus, StatusEndpoint, statusBody } from './statusEndpoint';

/** One status to post: of which application's commit, where, what. */
export interface StatusDelivery {
  applicationId: string;
  sha: string;
  endpoint: StatusEndpoint;
  status: CommitStatus;
}

export interface CommitStatusSenderOptions {
  logger: LoggerService;
  /** Posts at once, over every Git host. Default 4. */
  concurrency?: number;
  /** Statuses waiting to be posted; more are dropped with a warning. Default 2000. */
  maxQueued?: number;
  /** Tries of a post answered 5xx or 429. Default 4. */
  attempts?: number;
  /** Wait before the first retry, doubling after it. Default 1 second. */
  retryDelayMs?: number;
  /** Time one post may take. Default 10 seconds. */
  requestTimeoutMs?: number;
}

class PostFailure extends Error {
  constructor(message: string, readonly retriable: boolean) {
    super(message);
  }
}

/**
 * Posts commit statuses in the background, never in a sync's way: a few
 * at once (so a fleet syncing together opens a few sockets, not one per
 * application), one at a time per commit and context (so `success` never
 * overtakes `pending`), and only the newest of those waiting for the same
 * commit and context. Retries 5xx and 429 answers with back-off; other
 * failures are not retried. Failures are logged once per application and
 * commit, with the credentials masked.
 */
export class CommitStatusSender {
  private readonly limit: ReturnType<typeof pLimit>;
  /** Per commit and context: the status to post next, while one is queued or posting. */
  private readonly queues = new Map<string, { next?: StatusDelivery }>();
  /** Application and commit pairs whose failure was logged as a warning already. */
  private readonly warned = new LRUCache<string, true>({ max: 10_000 });
  private readonly abort = new AbortController();
  private droppedWarning = false;
  private readonly idleWaiters: (() => void)[] = [];

  constructor(private readonly options: CommitStatusSenderOptions) {
    this.limit = pLimit(options.concurrency ?? 4);
  }

  /** Queues `delivery`, replacing a status of its commit and context not posted yet. */
  send(delivery: StatusDelivery): void {
    if (this.abort.signal.aborted) return;
    const key = `${delivery.endpoint.url(delivery.sha)}\n${
      delivery.status.context
    }`;
    const queue = this.queues.get(key);
    if (queue) {
      queue.next = delivery;
      return;
    }
    if (this.queues.size >= (this.options.maxQueued ?? 2000)) {
      if (!this.droppedWarning) {
        this.droppedWarning = true;
        this.options.logger.warn(
          `Too many commit statuses waiting to be posted; dropping the status of ${delivery.applicationId} at ${delivery.sha} and others until the queue drains`,
        );
      }
      return;
    }
    this.droppedWarning = false;
    const entry = { next: delivery as StatusDelivery | undefined };
    this.queues.set(key, entry);
    this.limit(async () => {
      for (;;) {
        const next = entry.next;
        entry.next = undefined;
        if (!next || this.abort.signal.aborted) break;
        await this.post(next);
      }
      this.queues.delete(key);
      if (this.queues.size === 0) {
        this.idleWaiters.splice(0).forEach(resolve => resolve());
      }
    });
  }

  /** Resolves once nothing is queued or posting (for tests and shutdown). */
  async idle(): Promise<void> {
    if (this.queues.size === 0) return;
    await new Promise<void>(resolve => this.idleWaiters.push(resolve));
  }

  /** Drops what is queued and aborts the posts under way. */
  stop(): void {
    this.abort.abort();
    for (const queue of this.queues.values()) queue.next = undefined;
  }

  private async post(delivery: StatusDelivery): Promise<void> {
    const { endpoint, sha, status } = delivery;
    const url = endpoint.url(sha);
    const attempts = this.options.attempts ?? 4;
    try {
      await pRetry(
        async attempt => {
          const failure = await this.postOnce(url, delivery);
          if (!failure) return;
          if (!failure.retriable || attempt >= attempts) {
            throw new pRetry.AbortError(failure);
          }
          throw failure;
        },
        {
          retries: attempts - 1,
          minTimeout: this.options.retryDelayMs ?? 1000,
          factor: 2,
          randomize: true,
        },
      );
      this.options.logger.debug(
        `Commit status ${status.state} of ${delivery.applicationId} posted to ${sha} (${status.context})`,
      );
    } catch (error) {
      if (this.abort.signal.aborted) return;
      const message = mask((error as Error).message, endpoint.secrets);
      const once = `${delivery.applicationId}\n${sha}`;
      const log = this.warned.has(once)
        ? this.options.logger.debug
        : this.options.logger.warn;
      this.warned.set(once, true);
      log.call(
        this.options.logger,
        `Could not post the ${status.state} commit status of ${delivery.applicationId} to ${endpoint.provider} for commit ${sha} (${status.context}): ${message}`,
      );
    }
  }

  /** One POST; the failure, or undefined when it was accepted. */
  private async postOnce(
    url: string,
    { endpoint, status }: StatusDelivery,
  ): Promise<PostFailure | undefined> {
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: {
          ...endpoint.headers,
          'Content-Type': 'application/json',
          'User-Agent': 'Mooring',
        },
        body: JSON.stringify(statusBody(endpoint.provider, status)),
        signal: AbortSignal.any([
          this.abort.signal,
          AbortSignal.timeout(this.options.requestTimeoutMs ?? 10_000),
        ]),
        redirect: 'error',
      });
    } catch (error) {
      // undici says "fetch failed"; why is in its cause (e.g. ECONNREFUSED).
      const cause = (error as { cause?: { message?: unknown } }).cause;
      return new PostFailure(
        `POST ${url} failed: ${(error as Error).message}${
          typeof cause?.message === 'string' ? ` (${cause.message})` : ''
        }`,
        false,
      );
    }
    if (response.ok) {
      await response.body?.cancel();
      return undefined;
    }
    const text = (await response.text().catch(() => '')).slice(0, 300);
    return new PostFailure(
      `POST ${url} answered HTTP ${response.status}${
        text ? `: ${text.replace(/\s+/g, ' ').trim()}` : ''
      }`,
      response.status >= 500 || response.status === 429,
    );
  }
}

/** `text` with every secret (and its Base64 form) replaced by `***`. */
export function mask(text: string, secrets: string[]): string {
  let masked = text;
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    for (const form of [secret, Buffer.from(secret).toString('base64')]) {
      masked = masked.split(form).join('***');
    }
  }
  return masked;
}
