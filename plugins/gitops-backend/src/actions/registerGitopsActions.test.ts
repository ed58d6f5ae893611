import { setUpActions } from '../__testUtils__/actionsTestSetup';
import { registerGitopsActions } from './registerGitopsActions';

describe('registerGitopsActions', () => {
  it('registers get status, list history and sync, with their safety attributes', async () => {
    const { actions } = await setUpActions(registerGitopsActions);
    const { actions: registered } = await actions.list();
    expect(
      Object.fromEntries(registered.map(a => [a.name, a.attributes])),
    ).toEqual({
      'get-application-status': {
        readOnly: true,
        idempotent: true,
        destructive: false,
      },
      'list-application-history': {
        readOnly: true,
        idempotent: true,
        destructive: false,
      },
      'sync-application': {
        readOnly: false,
        idempotent: false,
        destructive: true,
      },
    });
  });
});
