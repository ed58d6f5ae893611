import type { ApplicationListResponse } from '@mooring/plugin-gitops-common';
import { GitopsStore, applicationsKey } from './GitopsStore';
import { FakeGitopsApi } from '../__testUtils__/FakeGitopsApi';
import { makeApp, makeOperation } from '../__testUtils__/fixtures';

const REF = 'component:default/payments';
const polling = { idleMs: 10_000, activeMs: 1_000, maxBackoffMs: 40_000 };

function setHidden(hidden: boolean) {
  Object.defineProperty(document, 'visibilityState', {
    configurable: true,
    get: () => (hidden ? 'hidden' : 'visible'),
  });
  document.dispatchEvent(new Event('visibilitychange'));
}

describe('GitopsStore', () => {
  let store: GitopsStore;
  beforeEach(() => {
    jest.useFakeTimers();
    jest.spyOn(Math, 'random').mockReturnValue(0.5);
  });
  afterEach(() => {
    store.dispose();
    setHidden(false);
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  const flush = async () => {
    await jest.advanceTimersByTimeAsync(0);
  };

  it('shares one request between watchers and polls at the idle interval', async () => {
    const api = new FakeGitopsApi([makeApp()]);
    store = new GitopsStore(api, polling);
    const stopCard = store.watchApplications(REF);
    const stopTab = store.watchApplications(REF);
    await flush();
    expect(api.callsTo('getApplications')).toHaveLength(1);
    expect(
      store.getSnapshot<ApplicationListResponse>(applicationsKey(REF)).value
        ?.items,
    ).toHaveLength(1);

    await jest.advanceTimersByTimeAsync(9_999);
    expect(api.callsTo('getApplications')).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(api.callsTo('getApplications')).toHaveLength(2);

    stopCard();
    stopTab();
    await jest.advanceTimersByTimeAsync(60_000);
    expect(api.callsTo('getApplications')).toHaveLength(2);
  });

  it('reuses fresh data when a page is shown again, and refetches stale data', async () => {
    const api = new FakeGitopsApi([makeApp()]);
    store = new GitopsStore(api, polling);
    const stopCard = store.watchApplications(REF);
    await flush();
    stopCard();
    await jest.advanceTimersByTimeAsync(5_000);
    const stopTab = store.watchApplications(REF);
    await flush();
    expect(api.callsTo('getApplications')).toHaveLength(1);
    stopTab();
    await jest.advanceTimersByTimeAsync(20_000);
    store.watchApplications(REF);
    await flush();
    expect(api.callsTo('getApplications')).toHaveLength(2);
  });

  it('polls faster while an operation runs', async () => {
    const app = makeApp({
      status: { ...makeApp().status, operation: makeOperation() },
    });
    const api = new FakeGitopsApi([app]);
    store = new GitopsStore(api, polling);
    store.watchApplications(REF);
    await flush();
    await jest.advanceTimersByTimeAsync(3_000);
    expect(api.callsTo('getApplications')).toHaveLength(4);
  });

  it('stops polling while the tab is hidden and catches up when shown', async () => {
    const api = new FakeGitopsApi([makeApp()]);
    store = new GitopsStore(api, polling);
    store.watchApplications(REF);
    await flush();
    setHidden(true);
    await jest.advanceTimersByTimeAsync(120_000);
    expect(api.callsTo('getApplications')).toHaveLength(1);
    setHidden(false);
    await flush();
    expect(api.callsTo('getApplications')).toHaveLength(2);
  });

  it('backs off after failures, keeping the last value', async () => {
    const api = new FakeGitopsApi([makeApp()]);
    store = new GitopsStore(api, polling);
    store.watchApplications(REF);
    await flush();
    api.listError = new TypeError('Failed to fetch');
    await jest.advanceTimersByTimeAsync(10_000); // poll 2 fails
    const snapshot = store.getSnapshot<ApplicationListResponse>(
      applicationsKey(REF),
    );
    expect(snapshot.error?.message).toBe('Failed to fetch');
    expect(snapshot.value?.items).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(19_999);
    expect(api.callsTo('getApplications')).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(1); // 20 s after one failure
    expect(api.callsTo('getApplications')).toHaveLength(3);
    await jest.advanceTimersByTimeAsync(40_000); // capped at 40 s
    expect(api.callsTo('getApplications')).toHaveLength(4);
  });

  it('loads per-application data once per version', async () => {
    const api = new FakeGitopsApi([makeApp()]);
    store = new GitopsStore(api, polling);
    const loader = jest.fn(async () => ['run']);
    await Promise.all([
      store.load('history:a', 'v1', loader),
      store.load('history:a', 'v1', loader),
    ]);
    await store.load('history:a', 'v1', loader);
    expect(loader).toHaveBeenCalledTimes(1);
    await store.load('history:a', 'v2', loader);
    expect(loader).toHaveBeenCalledTimes(2);
  });
  it('refetches at once the entity lists and on-screen data of an application a signal names, once per message', async () => {
    const payments = makeApp();
    const ledger = makeApp({
      id: 'component.default.ledger.default',
      entityRef: 'component:default/ledger',
    });
    const api = new FakeGitopsApi([payments, ledger]);
    store = new GitopsStore(api, polling);
    store.watchApplications(REF);
    store.watchApplications(ledger.entityRef);
    const stopResources = store.subscribe(`resources:${payments.id}`, () => {});
    await store.load(`resources:${payments.id}`, 'v1', () =>
      api.getResources(payments.id),
    );
    await flush();
    const lists = () =>
      api.callsTo('getApplications').map(c => c.args[0] as string);
    expect(lists()).toEqual([REF, ledger.entityRef]);

    const signal = { applicationId: payments.id };
    store.applicationChanged(signal);
    store.applicationChanged(signal); // the tab hears the same message
    await flush();
    expect(lists()).toEqual([REF, ledger.entityRef, REF]);
    expect(api.callsTo('getResources')).toHaveLength(2);

    // Data nobody shows any more is not fetched again.
    stopResources();
    store.applicationChanged({ applicationId: payments.id });
    await flush();
    expect(lists()).toEqual([REF, ledger.entityRef, REF, REF]);
    expect(api.callsTo('getResources')).toHaveLength(2);
  });

  it('polls idle pages only as a safety net while signals are available, and as before without them', async () => {
    const api = new FakeGitopsApi([makeApp()]);
    store = new GitopsStore(api, { ...polling, signalsIdleMs: 60_000 });
    store.watchApplications(REF);
    await flush();
    store.setSignalsAvailable(true);
    await jest.advanceTimersByTimeAsync(59_999);
    expect(api.callsTo('getApplications')).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(api.callsTo('getApplications')).toHaveLength(2);

    store.setSignalsAvailable(false);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(api.callsTo('getApplications')).toHaveLength(3);
  });

  it('keeps polling fast while an operation runs, signals or not', async () => {
    const app = makeApp({
      status: { ...makeApp().status, operation: makeOperation() },
    });
    const api = new FakeGitopsApi([app]);
    store = new GitopsStore(api, { ...polling, signalsIdleMs: 60_000 });
    store.setSignalsAvailable(true);
    store.watchApplications(REF);
    await flush();
    await jest.advanceTimersByTimeAsync(3_000);
    expect(api.callsTo('getApplications')).toHaveLength(4);
  });
});
