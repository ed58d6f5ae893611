import type { LoggerService } from '@backstage/backend-plugin-api';
import { stringifyError } from '@backstage/errors';
import type { SignalsService } from '@backstage/plugin-signals-node';
import type { GitopsEngine } from '../engine/types';

/** The signals channel the frontend listens on. */
export const GITOPS_SIGNAL_CHANNEL = 'gitops';

/** The message of one signal: which application changed (readers fetch it). */
export interface GitopsSignal {
  applicationId: string;
  [key: string]: string;
}

/**
 * Tells browsers an application's status, operation or history changed, on
 * channel `gitops` with `{ applicationId }`. The message carries only the id,
 * so it is broadcast: the page then fetches through the REST API, which
 * checks the reader's permission. Per application, the first change is sent
 * at once and later ones at most every `intervalMs` (the last of a burst
 * always goes out). Returns a function that stops publishing.
 */
export function publishSignals(options: {
  engine: GitopsEngine;
  signals: SignalsService;
  logger: LoggerService;
  /** The least time between two signals of one application (250 ms: 4 a second). */
  intervalMs?: number;
}): () => void {
  const { engine, signals, logger } = options;
  const intervalMs = options.intervalMs ?? 250;
  const lastSent = new Map<string, number>();
  const pending = new Map<string, NodeJS.Timeout>();

  const send = (applicationId: string) => {
    lastSent.set(applicationId, Date.now());
    signals
      .publish<GitopsSignal>({
        recipients: { type: 'broadcast' },
        channel: GITOPS_SIGNAL_CHANNEL,
        message: { applicationId },
      })
      .catch(error =>
        logger.warn(
          `Could not publish the change of ${applicationId} on signals channel ${GITOPS_SIGNAL_CHANNEL}: ${stringifyError(
            error,
          )}`,
        ),
      );
  };

  const unsubscribe = engine.subscribe(event => {
    const id = event.application.id;
    if (pending.has(id)) return;
    const wait = (lastSent.get(id) ?? -Infinity) + intervalMs - Date.now();
    if (wait <= 0) {
      send(id);
      return;
    }
    const timer = setTimeout(() => {
      pending.delete(id);
      send(id);
    }, wait);
    timer.unref?.();
    pending.set(id, timer);
  });

  return () => {
    unsubscribe();
    for (const timer of pending.values()) clearTimeout(timer);
    pending.clear();
  };
}
