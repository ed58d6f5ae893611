import type { LoggerService } from '@backstage/backend-plugin-api';
import {
  InputError,
  ServiceUnavailableError,
  AuthenticationError,
  stringifyError,
} from '@backstage/errors';
import express from 'express';
import Router from 'express-promise-router';
import type { GitopsEngine } from '../engine/types';
import {
  detectProvider,
  eventName,
  isPushEvent,
  parsePushEvent,
  pushAffects,
  repoKey,
  verifySignature,
} from './pushEvent';

/**
 * `POST /webhook`: Git push events from GitHub, GitLab and Gitea. The request
 * carries no Backstage token, so the signature is its only credential: it is
 * checked against the raw body before anything else is read.
 */
export function createWebhookRouter(options: {
  engine: GitopsEngine;
  logger: LoggerService;
  /** `gitops.webhookSecret`; without it every webhook is refused. */
  secret: string | undefined;
}): express.Router {
  const { engine, logger, secret } = options;
  const router = Router();

  router.post(
    '/webhook',
    express.raw({ type: () => true, limit: '25mb' }),
    async (req, res) => {
      if (!secret) {
        throw new ServiceUnavailableError(
          'Git webhooks are turned off: set gitops.webhookSecret and give the same secret to the Git host',
        );
      }
      const provider = detectProvider(req.headers);
      if (!provider) {
        throw new AuthenticationError(
          'Webhook names no Git host (no X-GitHub-Event, X-Gitlab-Event or X-Gitea-Event header), so it cannot be verified',
        );
      }
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      verifySignature({ provider, headers: req.headers, body, secret });

      const name = eventName(req.headers, provider);
      if (!isPushEvent(provider, name)) {
        res.status(202).json({ applications: [], ignored: `${name} event` });
        return;
      }
      const event = parsePushEvent(provider, parseBody(req, body));
      const affected = (await engine.listApplications()).filter(app =>
        pushAffects(event, app.source),
      );
      logger.info(
        `Push to ${event.repoUrls[0]} ${event.branch ?? event.tag} refreshes ${
          affected.length
        } application(s)`,
      );
      // One refresh per pushed repository (one fetch, shared by all its
      // applications), however its applications spell its URL. Answer at
      // once (hosts time out slow webhooks); the refreshes go on.
      const repoUrls = new Map(
        affected.map(app => [repoKey(app.source.repoUrl), app.source.repoUrl]),
      );
      for (const repoUrl of repoUrls.values()) {
        engine
          .refreshRepo(repoUrl, {
            branch: event.branch ?? event.tag,
            initiatedBy: 'webhook',
          })
          .catch(error => {
            logger.warn(
              `Refresh of ${repoUrl} after a push failed: ${stringifyError(
                error,
              )}`,
            );
          });
      }
      res.status(202).json({ applications: affected.map(a => a.id) });
    },
  );

  return router;
}

function parseBody(req: express.Request, body: Buffer): unknown {
  const text = body.toString('utf8');
  try {
    // GitHub can send the JSON form-encoded as `payload=`.
    if (req.is('application/x-www-form-urlencoded')) {
      const payload = new URLSearchParams(text).get('payload');
      if (payload === null) {
        throw new InputError('Form-encoded webhook has no "payload" field');
      }
      return JSON.parse(payload);
    }
    return JSON.parse(text);
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(
      `Webhook body is not valid JSON: ${(error as Error).message}`,
    );
  }
}
