import { kubeletTiming } from './controllers/runtime';
import { ApiError } from './errors';
import {
  containerLog,
  formatLine,
  logContainer,
  parseLogOptions,
  selectLines,
} from './podLogs';
import { KubeObject } from './types';

const timing = kubeletTiming(500); // heartbeat 10 s, pull back-off 10 s doubling
const T0 = Date.parse('2026-01-05T09:00:00Z');

function pod(
  containers: any[],
  statuses: any[],
  extra: { restartPolicy?: string; startTime?: string } = {},
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-1', namespace: 'shop', uid: 'u-1' },
    spec: {
      nodeName: 'kube-sim',
      restartPolicy: extra.restartPolicy ?? 'Always',
      containers,
    },
    status: {
      startTime: extra.startTime ?? '2026-01-05T09:00:00Z',
      containerStatuses: statuses,
    },
  };
}

const running = (name: string) => ({
  name,
  state: { running: { startedAt: '2026-01-05T09:00:00Z' } },
});

const errorOf = (fn: () => unknown): ApiError => {
  try {
    fn();
  } catch (e) {
    return e as ApiError;
  }
  throw new Error('expected an error');
};

describe('pod logs', () => {
  const web = {
    name: 'web',
    image: 'registry.example.com/web:2.3.1',
    ports: [{ containerPort: 8080 }],
  };

  it('makes up the same start-up lines and a line per heartbeat for a running container', () => {
    const p = pod([web], [running('web')]);
    const at = (seconds: number) =>
      containerLog(p, web, 'containers', timing, T0 + seconds * 1000);
    const early = at(5);
    expect(early.lines.map(l => l.text)).toEqual([
      'INFO starting web 2.3.1 (image registry.example.com/web:2.3.1)',
      'INFO pod shop/web-1, node kube-sim',
      'INFO listening on :8080',
      'INFO ready',
    ]);
    expect(early).toMatchObject({ ended: false, next: T0 + 10_000 });
    const later = at(35);
    expect(later.lines.slice(4)).toEqual([
      { time: T0 + 10_000, text: 'INFO GET /healthz 200 (check 1)' },
      { time: T0 + 20_000, text: 'INFO GET /healthz 200 (check 2)' },
      { time: T0 + 30_000, text: 'INFO GET /healthz 200 (check 3)' },
    ]);
    // Deterministic: the same pod at the same moment writes the same log.
    expect(at(35)).toEqual(later);
  });

  it('serves tailLines, sinceSeconds, sinceTime and timestamps as the kubelet does', () => {
    const p = pod([web], [running('web')]);
    const now = T0 + 65_000;
    const { lines } = containerLog(p, web, 'containers', timing, now);
    const options = (query: string) =>
      parseLogOptions(new URLSearchParams(query), 'web-1');
    expect(
      selectLines(lines, options('tailLines=2'), now).map(l => l.text),
    ).toEqual([
      'INFO GET /healthz 200 (check 5)',
      'INFO GET /healthz 200 (check 6)',
    ]);
    expect(selectLines(lines, options('tailLines=0'), now)).toEqual([]);
    expect(
      selectLines(lines, options('sinceSeconds=25'), now).map(l => l.text),
    ).toEqual([
      'INFO GET /healthz 200 (check 4)',
      'INFO GET /healthz 200 (check 5)',
      'INFO GET /healthz 200 (check 6)',
    ]);
    expect(
      selectLines(
        lines,
        options('sinceTime=2026-01-05T09:00:50Z&tailLines=5'),
        now,
      ).map(l => l.text),
    ).toEqual([
      'INFO GET /healthz 200 (check 5)',
      'INFO GET /healthz 200 (check 6)',
    ]);
    expect(formatLine(lines[1], true)).toBe(
      '2026-01-05T09:00:00.001000000Z INFO pod shop/web-1, node kube-sim\n',
    );
    expect(formatLine(lines[1], false)).toBe(
      'INFO pod shop/web-1, node kube-sim\n',
    );
  });

  it('refuses bad options as the API server does', () => {
    const bad = (query: string) =>
      errorOf(() => parseLogOptions(new URLSearchParams(query), 'web-1'));
    expect(bad('tailLines=-1')).toMatchObject({
      code: 422,
      message:
        'PodLogOptions "web-1" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0',
    });
    expect(bad('sinceSeconds=0').message).toContain(
      'sinceSeconds: Invalid value: 0: must be greater than 0',
    );
    expect(
      bad('sinceSeconds=5&sinceTime=2026-01-05T09:00:00Z').message,
    ).toContain(
      'at most one of `sinceTime` or `sinceSeconds` may be specified',
    );
    expect(bad('limitBytes=x').code).toBe(400);
  });

  it('names the containers to choose from, and refuses one the pod does not have', () => {
    const p = pod(
      [
        { name: 'a', image: 'a:1' },
        { name: 'b', image: 'b:1' },
      ],
      [running('a'), running('b')],
    );
    p.spec.initContainers = [{ name: 'init', image: 'i:1' }];
    expect(errorOf(() => logContainer(p, undefined))).toMatchObject({
      code: 400,
      message:
        'a container name must be specified for pod web-1, choose one of: [init a b]',
    });
    expect(errorOf(() => logContainer(p, 'c'))).toMatchObject({
      code: 400,
      message: 'container c is not valid for pod web-1',
    });
    expect(logContainer(p, 'b').container.name).toBe('b');
    expect(logContainer(p, 'init').list).toBe('initContainers');
  });

  it("answers for a container that is not running yet in the kubelet's words", () => {
    const c = { name: 'web', image: 'web:1' };
    const waiting = pod(
      [c],
      [{ name: 'web', state: { waiting: { reason: 'ContainerCreating' } } }],
    );
    expect(
      errorOf(() => containerLog(waiting, c, 'containers', timing, T0)),
    ).toMatchObject({
      code: 400,
      message:
        'container "web" in pod "web-1" is waiting to start: ContainerCreating',
    });
    expect(
      errorOf(() => containerLog(pod([c], []), c, 'containers', timing, T0))
        .message,
    ).toBe('container "web" in pod "web-1" is not available');
  });

  it('writes what a script echoes, when it echoes it, and ends with the container', () => {
    const job = {
      name: 'smoke',
      image: 'tools:1',
      command: ['/bin/sh', '-c', 'echo checking; sleep 2; echo ok'],
    };
    const p = pod([job], [running('smoke')], { restartPolicy: 'Never' });
    const mid = containerLog(p, job, 'containers', timing, T0 + 1000);
    expect(mid).toEqual({
      lines: [{ time: T0, text: 'checking' }],
      next: T0 + 2000,
      ended: false,
    });
    p.status.containerStatuses = [
      {
        name: 'smoke',
        state: {
          terminated: {
            exitCode: 0,
            reason: 'Completed',
            startedAt: '2026-01-05T09:00:00Z',
            finishedAt: '2026-01-05T09:00:02Z',
          },
        },
      },
    ];
    expect(containerLog(p, job, 'containers', timing, T0 + 60_000)).toEqual({
      lines: [
        { time: T0, text: 'checking' },
        { time: T0 + 2000, text: 'ok' },
      ],
      next: undefined,
      ended: true,
    });
  });

  it('writes error lines for the fail image: a failed Job pod, and each pull a Deployment pod retries', () => {
    const failing = { name: 'migrate', image: 'migrate:fail' };
    const failedJob = pod(
      [failing],
      [
        {
          name: 'migrate',
          state: {
            terminated: {
              exitCode: 1,
              reason: 'Error',
              startedAt: '2026-01-05T09:00:00Z',
              finishedAt: '2026-01-05T09:00:00Z',
            },
          },
        },
      ],
      { restartPolicy: 'Never' },
    );
    const log = containerLog(
      failedJob,
      failing,
      'containers',
      timing,
      T0 + 5000,
    );
    expect(log.ended).toBe(true);
    expect(log.lines.map(l => l.text)).toEqual([
      'INFO starting migrate fail (image migrate:fail)',
      'ERROR migrate failed: the image migrate:fail is tagged "fail", so it always fails',
      'ERROR exiting with status 1',
    ]);

    const worker = { name: 'worker', image: 'worker:fail' };
    const backingOff = pod(
      [worker],
      [
        {
          name: 'worker',
          state: { waiting: { reason: 'ImagePullBackOff' } },
        },
      ],
    );
    const pulls = containerLog(
      backingOff,
      worker,
      'containers',
      timing,
      T0 + 35_000,
    );
    // Attempts at 0 s, then after 10 s and 20 s of back-off; the next after 40 s more.
    expect(pulls.lines.map(l => l.time - T0)).toEqual([0, 10_000, 30_000]);
    expect(pulls.next).toBe(T0 + 70_000);
    expect(pulls.lines[2].text).toBe(
      'ERROR worker cannot start: pulling image "worker:fail" failed: not found (attempt 3)',
    );
  });
});
