import {
  alice,
  payments,
  startGitopsTestBackend,
  web,
} from '../__testUtils__/gitopsTestBackend';

jest.setTimeout(60_000);

describe('startGitopsServices', () => {
  it('wires the API, the webhook without a token, and the actions', async () => {
    const t = await startGitopsTestBackend([payments, web]);
    try {
      const api = await t
        .http()
        .get('/api/gitops/applications')
        .set('Authorization', alice);
      expect(api.status).toBe(200);

      // No Backstage token: refused for lack of a signature, not of a token.
      const webhook = await t
        .http()
        .post('/api/gitops/webhook')
        .set('X-GitHub-Event', 'push')
        .send({});
      expect(webhook.status).toBe(401);
      expect(webhook.body.error.message).toContain('not signed');

      const { actions } = await t.actions.list();
      expect(actions.map(a => a.name).sort()).toEqual([
        'get-application-diff',
        'get-application-status',
        'list-application-history',
        'refresh-application',
        'rollback-application',
        'sync-application',
      ]);
    } finally {
      await t.backend.stop();
    }
  });
});
