import { mockServices } from '@backstage/backend-test-utils';
import type { Application, SyncRun } from '@mooring/plugin-gitops-common';
import {
  payments,
  PROD,
  startGitopsTestBackend,
} from '../__testUtils__/gitopsTestBackend';
import { InMemoryTestEngine } from '../__testUtils__/InMemoryTestEngine';
import { publishSignals } from './publishSignals';

function application(id: string): Application {
  return {
    id,
    entityRef: `component:default/${id}`,
    target: 'default',
    source: {
      repoUrl: 'https://git.example.com/x.git',
      path: '.',
      revision: '',
    },
    destination: { cluster: 'dev', namespace: id },
    policy: { sync: 'manual', prune: false, selfHeal: false },
    status: { sync: 'Synced', health: 'Healthy', message: '' },
  };
}

describe('publishSignals', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  function setup() {
    const engine = new InMemoryTestEngine();
    const signals = { publish: jest.fn(async () => {}) };
    const stop = publishSignals({
      engine,
      signals,
      logger: mockServices.logger.mock(),
    });
    const sent = () => signals.publish.mock.calls.map((call: any[]) => call[0]);
    return { engine, signals, stop, sent };
  }

  it('broadcasts { applicationId } on channel gitops at once for each application', () => {
    const { engine, sent } = setup();
    engine.emit({ type: 'status', application: application('a') });
    engine.emit({
      type: 'syncFailed',
      application: application('b'),
      run: {} as SyncRun,
    });
    expect(sent()).toEqual([
      {
        recipients: { type: 'broadcast' },
        channel: 'gitops',
        message: { applicationId: 'a' },
      },
      {
        recipients: { type: 'broadcast' },
        channel: 'gitops',
        message: { applicationId: 'b' },
      },
    ]);
  });

  it('sends at most 4 a second per application, and always the last of a burst', () => {
    const { engine, sent } = setup();
    const emitA = () =>
      engine.emit({ type: 'status', application: application('a') });
    emitA();
    jest.advanceTimersByTime(10);
    emitA();
    jest.advanceTimersByTime(10);
    emitA();
    expect(sent()).toHaveLength(1);
    // The burst's last change goes out 250 ms after the first signal.
    jest.advanceTimersByTime(229);
    expect(sent()).toHaveLength(1);
    jest.advanceTimersByTime(1);
    expect(sent()).toHaveLength(2);
    jest.advanceTimersByTime(1000);
    expect(sent()).toHaveLength(2);

    // A change every 10 ms for 2 s: about 4 signals a second, never more.
    const start = sent().length;
    for (let i = 0; i < 200; i++) {
      emitA();
      jest.advanceTimersByTime(10);
    }
    expect(sent().length - start).toBeLessThanOrEqual(9);
    expect(sent().length - start).toBeGreaterThanOrEqual(8);

    // Another application is not held back by the first.
    engine.emit({ type: 'status', application: application('b') });
    expect(sent().at(-1).message).toEqual({ applicationId: 'b' });
  });

  it('stops publishing when detached, pending signals included', () => {
    const { engine, sent, stop } = setup();
    engine.emit({ type: 'status', application: application('a') });
    engine.emit({ type: 'status', application: application('a') });
    stop();
    jest.advanceTimersByTime(1000);
    engine.emit({ type: 'status', application: application('a') });
    expect(sent()).toHaveLength(1);
  });

  it('logs a failed publish instead of throwing into the engine', async () => {
    const engine = new InMemoryTestEngine();
    const logger = mockServices.logger.mock();
    publishSignals({
      engine,
      signals: { publish: async () => Promise.reject(new Error('no events')) },
      logger,
    });
    engine.emit({ type: 'status', application: application('a') });
    jest.useRealTimers();
    await new Promise(resolve => setImmediate(resolve));
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringContaining('Could not publish the change of a'),
    );
  });
});

describe('the plugin publishes signals', () => {
  it('sends { applicationId } on channel gitops when the engine reports a change', async () => {
    const t = await startGitopsTestBackend([payments]);
    try {
      t.engine.emit({
        type: 'status',
        application: await t.engine.getApplication(PROD),
      });
      expect(t.signals.publish).toHaveBeenCalledWith({
        recipients: { type: 'broadcast' },
        channel: 'gitops',
        message: { applicationId: PROD },
      });
    } finally {
      await t.backend.stop();
    }
  });
});
