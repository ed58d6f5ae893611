import { containerRun } from './controllers/containerRun';
import { runsToCompletion } from './controllers/kubelet';
import { backoffDelay, imageFails, KubeletTiming } from './controllers/runtime';
import { ApiError, badRequest } from './errors';
import { KubeObject } from './types';

/** One line a container wrote, at `time` (ms since the epoch). */
export type LogLine = { time: number; text: string };

/** What a container has written by a moment, and whether it will write more. */
export type ContainerLog = {
  lines: LogLine[];
  /** When the next line comes; `undefined` when none is planned. */
  next?: number;
  /** The container has exited: nothing more will come. */
  ended: boolean;
};

/** How the kubelet words the commonest reasons a container is not started yet. */
const WAITING_REASONS: Record<string, string> = {
  ImagePullBackOff: 'trying and failing to pull image',
  ErrImagePull: "image can't be pulled",
};

/** Like the kubelet's rotated log files, a container's log keeps its latest lines only. */
const MAX_LINES = 10_000;

/** The kubelet's answer about a container it cannot read logs of (the API server passes it on as 400). */
function kubeletError(message: string): ApiError {
  return badRequest(message);
}

/**
 * Checks the container a log request names, as the API server does: a pod
 * with one container needs no name, one with several needs one of them.
 * Returns the container and which list it is in.
 */
export function logContainer(
  pod: KubeObject,
  requested: string | undefined,
): { container: any; list: 'containers' | 'initContainers' } {
  const containers: any[] = pod.spec?.containers ?? [];
  const init: any[] = pod.spec?.initContainers ?? [];
  const name = pod.metadata.name;
  if (!requested) {
    if (containers.length === 1)
      return { container: containers[0], list: 'containers' };
    if (containers.length === 0)
      throw badRequest(`a container name must be specified for pod ${name}`);
    throw badRequest(
      `a container name must be specified for pod ${name}, choose one of: [${[
        ...init,
        ...containers,
      ]
        .map(c => c.name)
        .join(' ')}]`,
    );
  }
  const found = containers.find(c => c.name === requested);
  if (found) return { container: found, list: 'containers' };
  const initFound = init.find(c => c.name === requested);
  if (initFound) return { container: initFound, list: 'initContainers' };
  throw badRequest(`container ${requested} is not valid for pod ${name}`);
}

function imageVersion(image: string): string {
  const last = image.slice(image.lastIndexOf('/') + 1);
  const colon = last.lastIndexOf(':');
  return colon < 0 ? 'latest' : last.slice(colon + 1);
}

/** The lines of a program kube-sim makes up for an image it does not know: start-up, then a line per heartbeat. */
function serviceLines(
  pod: KubeObject,
  c: any,
  start: number,
  until: number,
  timing: KubeletTiming,
): { lines: LogLine[]; next: number } {
  const ports: any[] = c.ports ?? [];
  const startup = [
    `INFO starting ${c.name} ${imageVersion(String(c.image))} (image ${
      c.image
    })`,
    `INFO pod ${pod.metadata.namespace}/${pod.metadata.name}, node ${
      pod.spec?.nodeName ?? 'none'
    }`,
    ports.length > 0
      ? `INFO listening on ${ports.map(p => `:${p.containerPort}`).join(', ')}`
      : 'INFO no ports to listen on; working in the background',
    'INFO ready',
  ];
  const lines: LogLine[] = startup
    .map((text, i) => ({ time: start + i, text }))
    .filter(l => l.time <= until);
  const beats = Math.floor((until - start) / timing.heartbeatMs);
  const first = Math.max(1, beats - MAX_LINES + 1);
  for (let k = first; k <= beats; k++) {
    lines.push({
      time: start + k * timing.heartbeatMs,
      text:
        ports.length > 0
          ? `INFO GET /healthz 200 (check ${k})`
          : `INFO heartbeat ${k}: idle`,
    });
  }
  return { lines, next: start + (beats + 1) * timing.heartbeatMs };
}

/** What a container that was made to fail (image tag `fail`) writes when it runs. */
function failureLines(c: any, start: number): LogLine[] {
  return [
    `INFO starting ${c.name} ${imageVersion(String(c.image))} (image ${
      c.image
    })`,
    `ERROR ${c.name} failed: the image ${c.image} is tagged "fail", so it always fails`,
    'ERROR exiting with status 1',
  ].map((text, i) => ({ time: start + i, text }));
}

/**
 * A container whose image never pulls has no log of its own; kube-sim
 * shows its pull attempts as error lines, each when it happened.
 */
function pullFailureLines(
  c: any,
  start: number,
  until: number,
  timing: KubeletTiming,
): { lines: LogLine[]; next: number } {
  const lines: LogLine[] = [];
  let at = start;
  for (let attempt = 1; at <= until; attempt++) {
    lines.push({
      time: at,
      text: `ERROR ${c.name} cannot start: pulling image "${c.image}" failed: not found (attempt ${attempt})`,
    });
    at += backoffDelay(timing, attempt);
  }
  return { lines: lines.slice(-MAX_LINES), next: at };
}

/**
 * The log of a container, deterministic for a pod: what its script echoes
 * (see containerRun), else start-up lines and a line per heartbeat for a
 * long-running container, start and finish lines for one that runs to
 * completion, error lines for the `fail` image. Throws the kubelet's
 * errors for a container that is not running yet.
 */
export function containerLog(
  pod: KubeObject,
  c: any,
  list: 'containers' | 'initContainers',
  timing: KubeletTiming,
  now = Date.now(),
): ContainerLog {
  const statuses: any[] =
    (list === 'containers'
      ? pod.status?.containerStatuses
      : pod.status?.initContainerStatuses) ?? [];
  const status = statuses.find(s => s.name === c.name);
  const podName = pod.metadata.name;
  if (!status)
    throw kubeletError(
      `container "${c.name}" in pod "${podName}" is not available`,
    );
  const state = status.state ?? {};
  const run = containerRun(c);
  if (state.waiting) {
    if (imageFails(c.image)) {
      const start = Date.parse(pod.status?.startTime ?? '');
      const { lines, next } = pullFailureLines(c, start, now, timing);
      return { lines, next, ended: false };
    }
    const reason = state.waiting.reason ?? 'ContainerCreating';
    const why = WAITING_REASONS[reason] ?? reason;
    throw kubeletError(
      `container "${c.name}" in pod "${podName}" is waiting to start: ${why}`,
    );
  }
  const running = state.running ?? state.terminated;
  const start = Date.parse(running?.startedAt ?? '');
  if (Number.isNaN(start))
    throw kubeletError(
      `container "${c.name}" in pod "${podName}" is not available`,
    );
  const finished = state.terminated
    ? Date.parse(state.terminated.finishedAt ?? running.startedAt)
    : undefined;
  const ended = finished !== undefined;
  // An exited container's log is complete; a running one's grows with time.
  const until = ended ? Infinity : now;
  if (imageFails(c.image)) return { lines: failureLines(c, start), ended };
  if (run.known) {
    const all = run.output.map(o => ({ time: start + o.atMs, text: o.text }));
    const lines = all.filter(l => l.time <= until);
    const next = ended ? undefined : all.find(l => l.time > until)?.time;
    return { lines, next, ended };
  }
  if (list === 'initContainers' || runsToCompletion(pod)) {
    const lines = [
      {
        time: start,
        text: `INFO starting ${c.name} ${imageVersion(
          String(c.image),
        )} (image ${c.image})`,
      },
      {
        time: start + 1,
        text: `INFO running to completion in pod ${pod.metadata.namespace}/${podName}`,
      },
    ];
    if (ended) {
      lines.push({
        time: Math.max(start + 2, finished!),
        text:
          state.terminated.exitCode === 0
            ? 'INFO done'
            : `ERROR exiting with status ${state.terminated.exitCode}`,
      });
    }
    return { lines: lines.filter(l => l.time <= until), ended };
  }
  const { lines, next } = serviceLines(
    pod,
    c,
    start,
    ended ? finished! : now,
    timing,
  );
  return { lines, next: ended ? undefined : next, ended };
}

/** The query of a pods/log request, checked as the API server checks PodLogOptions. */
export type LogOptions = {
  container?: string;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  sinceTime?: number;
  limitBytes?: number;
};

export function parseLogOptions(
  q: URLSearchParams,
  podName: string,
): LogOptions {
  const flag = (key: string) => q.get(key) === 'true' || q.get(key) === '1';
  const causes: { field: string; message: string }[] = [];
  const integer = (key: string, min: number): number | undefined => {
    const raw = q.get(key);
    if (raw === null || raw === '') return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n)) {
      throw badRequest(`${key} must be an integer, not "${raw}"`);
    }
    if (n < min) {
      causes.push({
        field: key,
        message: `Invalid value: ${n}: must be greater than ${
          min === 0 ? 'or equal to 0' : min - 1
        }`,
      });
    }
    return n;
  };
  const tailLines = integer('tailLines', 0);
  const sinceSeconds = integer('sinceSeconds', 1);
  const limitBytes = integer('limitBytes', 1);
  const sinceTimeRaw = q.get('sinceTime');
  let sinceTime: number | undefined;
  if (sinceTimeRaw) {
    sinceTime = Date.parse(sinceTimeRaw);
    if (Number.isNaN(sinceTime))
      throw badRequest(
        `sinceTime must be an RFC 3339 time, not "${sinceTimeRaw}"`,
      );
  }
  if (sinceSeconds !== undefined && sinceTime !== undefined) {
    causes.push({
      field: 'sinceSeconds',
      message:
        'Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified',
    });
  }
  if (causes.length > 0) {
    throw new ApiError(
      422,
      'Invalid',
      `PodLogOptions "${podName}" is invalid: ${causes
        .map(c => `${c.field}: ${c.message}`)
        .join(', ')}`,
      { name: podName, kind: 'PodLogOptions', causes },
    );
  }
  return {
    container: q.get('container') ?? undefined,
    follow: flag('follow'),
    previous: flag('previous'),
    timestamps: flag('timestamps'),
    tailLines,
    sinceSeconds,
    sinceTime,
    limitBytes,
  };
}

/** The lines a request asks for: since a time, then the last `tailLines`. */
export function selectLines(
  lines: LogLine[],
  options: LogOptions,
  now = Date.now(),
): LogLine[] {
  let out = lines;
  const since =
    options.sinceTime ??
    (options.sinceSeconds !== undefined
      ? now - options.sinceSeconds * 1000
      : undefined);
  if (since !== undefined) out = out.filter(l => l.time >= since);
  if (options.tailLines !== undefined)
    out = options.tailLines === 0 ? [] : out.slice(-options.tailLines);
  return out;
}

/** A line as the kubelet writes it, with its RFC 3339 timestamp (nanoseconds) when asked. */
export function formatLine(line: LogLine, timestamps: boolean): string {
  if (!timestamps) return `${line.text}\n`;
  const iso = new Date(line.time).toISOString(); // 2026-01-05T09:00:00.123Z
  return `${iso.slice(0, 23)}000000Z ${line.text}\n`;
}
