import { waitForOperation } from './waitForOperation';
import { FakeGitopsApi } from '../__testUtils__/FakeGitopsApi';
import { makeApp, makeOperation } from '../__testUtils__/fixtures';

describe('waitForOperation', () => {
  it('returns a finished operation at once', async () => {
    const api = new FakeGitopsApi([makeApp()]);
    const done = makeOperation({ phase: 'Succeeded' });
    await expect(waitForOperation(api, 'x', done)).resolves.toBe(done);
    expect(api.calls).toEqual([]);
  });

  it('follows a running dry run through the application status until it ends', async () => {
    const app = makeApp();
    const api = new FakeGitopsApi([app]);
    const running = makeOperation({ id: 'dry', dryRun: true });
    api.apps[0].status.operation = running;
    let reads = 0;
    const getApplication = api.getApplication.bind(api);
    api.getApplication = async id => {
      reads += 1;
      if (reads === 2) {
        api.apps[0].status.operation = {
          ...running,
          phase: 'Succeeded',
          changes: [
            {
              kind: 'Deployment',
              namespace: 'p',
              name: 'p',
              action: 'configured',
            },
          ],
        };
      }
      return getApplication(id);
    };
    const result = await waitForOperation(api, app.id, running, {
      intervalMs: 1,
    });
    expect(result.phase).toBe('Succeeded');
    expect(result.changes).toHaveLength(1);
    expect(reads).toBe(2);
  });

  it('gives up with a clear message after the timeout', async () => {
    const app = makeApp();
    const api = new FakeGitopsApi([app]);
    const running = makeOperation({ id: 'stuck' });
    api.apps[0].status.operation = running;
    await expect(
      waitForOperation(api, app.id, running, { intervalMs: 1, timeoutMs: 20 }),
    ).rejects.toThrow(
      /Operation stuck on .* is still running after 0 s; check the history table/,
    );
  });
});
