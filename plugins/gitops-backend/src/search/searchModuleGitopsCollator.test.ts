import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { createBackendPlugin } from '@backstage/backend-plugin-api';
import type { RegisterCollatorParameters } from '@backstage/plugin-search-backend-node';
import { searchIndexRegistryExtensionPoint } from '@backstage/plugin-search-backend-node/alpha';
import { GitopsApplicationCollatorFactory } from './GitopsApplicationCollatorFactory';
import {
  DEFAULT_COLLATOR_SCHEDULE,
  readCollatorSchedule,
  searchModuleGitopsCollator,
} from './searchModuleGitopsCollator';

describe('searchModuleGitopsCollator', () => {
  it('adds the applications collator to the search index, on the configured schedule', async () => {
    const collators: RegisterCollatorParameters[] = [];
    const createScheduledTaskRunner = jest.fn(() => ({ run: jest.fn() }));
    // Stands in for the search plugin, which owns the extension point.
    const search = createBackendPlugin({
      pluginId: 'search',
      register(env) {
        env.registerExtensionPoint(searchIndexRegistryExtensionPoint, {
          addCollator: options => collators.push(options),
          addDecorator: () => {},
        });
        env.registerInit({ deps: {}, async init() {} });
      },
    });
    await startTestBackend({
      features: [
        search,
        searchModuleGitopsCollator,
        mockServices.rootConfig.factory({
          data: {
            search: {
              collators: {
                gitops: {
                  schedule: {
                    frequency: { minutes: 1 },
                    timeout: { minutes: 2 },
                    initialDelay: { seconds: 3 },
                  },
                },
              },
            },
          },
        }),
        mockServices.scheduler.mock({ createScheduledTaskRunner }).factory,
      ],
    });
    expect(collators).toHaveLength(1);
    expect(collators[0].factory).toBeInstanceOf(
      GitopsApplicationCollatorFactory,
    );
    expect(collators[0].factory.type).toBe('gitops-application');
    expect(createScheduledTaskRunner).toHaveBeenCalledWith({
      frequency: { minutes: 1 },
      timeout: { minutes: 2 },
      initialDelay: { seconds: 3 },
    });
  });
});

describe('readCollatorSchedule', () => {
  it('defaults to every 10 minutes, 10 seconds after start', () => {
    expect(readCollatorSchedule(new ConfigReader({}))).toEqual(
      DEFAULT_COLLATOR_SCHEDULE,
    );
    expect(DEFAULT_COLLATOR_SCHEDULE).toEqual({
      frequency: { minutes: 10 },
      timeout: { minutes: 15 },
      initialDelay: { seconds: 10 },
    });
  });

  it('says where a bad schedule is', () => {
    expect(() =>
      readCollatorSchedule(
        new ConfigReader({
          search: {
            collators: { gitops: { schedule: { frequency: 'often' } } },
          },
        }),
      ),
    ).toThrow(/Invalid search.collators.gitops.schedule/);
  });
});
