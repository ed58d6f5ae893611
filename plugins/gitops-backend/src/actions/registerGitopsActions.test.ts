import { setUpActions } from '../__testUtils__/actionsTestSetup';
import { registerGitopsActions } from './registerGitopsActions';

describe('registerGitopsActions', () => {
  it('registers every action with its safety attributes', async () => {
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
      'rollback-application': {
        readOnly: false,
        idempotent: false,
        destructive: true,
      },
      // Applies nothing, but makes the agent fetch and compare (and an
      // auto-sync application may then sync), so it is not read-only.
      'refresh-application': {
        readOnly: false,
        idempotent: true,
        destructive: false,
      },
      'get-application-diff': {
        readOnly: true,
        idempotent: true,
        destructive: false,
      },
    });
  });
});
