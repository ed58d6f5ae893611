import { createHash } from 'node:crypto';
import { timestamp } from '../cluster';
import { KubeObject } from '../types';
import { containerRun } from './containerRun';
import {
  backoffDelay,
  condition,
  ControllerContext,
  imageFails,
  NODE_NAME,
} from './runtime';

let nextPodIp = 1;

function podIp(): string {
  const n = nextPodIp++;
  return `10.244.${(n >> 8) & 255}.${n & 255}`;
}

const HOST_IP = '172.18.0.2';

/** Pods that run to completion rather than forever: a Job's, or restartPolicy Never/OnFailure. */
export function runsToCompletion(pod: KubeObject): boolean {
  return (
    (pod.spec?.restartPolicy ?? 'Always') !== 'Always' ||
    (pod.metadata.ownerReferences ?? []).some(r => r.kind === 'Job')
  );
}

/** The reference a registry resolves an image to (`nginx:1` is `docker.io/library/nginx:1`). */
function imageReference(image: string): string {
  const first = image.split('/')[0];
  if (image.includes('/') && /[.:]|^localhost$/.test(first)) return image;
  return image.includes('/')
    ? `docker.io/${image}`
    : `docker.io/library/${image}`;
}

function hashOf(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

/** Go's time.Duration text for milliseconds (812ms, 1.234s). */
function goDuration(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${ms / 1000}s`;
}

const containerPath = (list: string, name: string) => `spec.${list}{${name}}`;

/**
 * The kubelet's image manager: an image already on the node is used
 * (unless its pull policy is Always), else it is pulled, in a time and to a
 * size that depend on the image only.
 */
function pullImage(
  ctx: ControllerContext,
  pod: KubeObject,
  c: any,
  fieldPath: string,
) {
  const image = String(c.image);
  if (c.imagePullPolicy !== 'Always' && ctx.imagesPresent.has(image)) {
    ctx.event(
      'kubelet',
      pod,
      'Normal',
      'Pulled',
      `Container image "${image}" already present on machine`,
      fieldPath,
    );
    return;
  }
  const hash = hashOf(image);
  const took = goDuration(300 + (hash % 2700));
  ctx.event(
    'kubelet',
    pod,
    'Normal',
    'Pulling',
    `Pulling image "${image}"`,
    fieldPath,
  );
  ctx.event(
    'kubelet',
    pod,
    'Normal',
    'Pulled',
    `Successfully pulled image "${image}" in ${took} (${took} including waiting). Image size: ${
      5_000_000 + (hash % 95_000_000)
    } bytes.`,
    fieldPath,
  );
  ctx.imagesPresent.add(image);
}

/** A pull of an image tagged `fail`: not found, then the back-off, as the kubelet reports them. */
function failPull(
  ctx: ControllerContext,
  pod: KubeObject,
  c: any,
  fieldPath: string,
) {
  const image = String(c.image);
  const ref = imageReference(image);
  ctx.event(
    'kubelet',
    pod,
    'Normal',
    'Pulling',
    `Pulling image "${image}"`,
    fieldPath,
  );
  ctx.event(
    'kubelet',
    pod,
    'Warning',
    'Failed',
    `Failed to pull image "${image}": rpc error: code = NotFound desc = failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": ${ref}: not found`,
    fieldPath,
  );
  ctx.event(
    'kubelet',
    pod,
    'Warning',
    'Failed',
    'Error: ErrImagePull',
    fieldPath,
  );
  ctx.event(
    'kubelet',
    pod,
    'Normal',
    'BackOff',
    `Back-off pulling image "${image}"`,
    fieldPath,
  );
  ctx.event(
    'kubelet',
    pod,
    'Warning',
    'Failed',
    'Error: ImagePullBackOff',
    fieldPath,
  );
}

function startContainer(
  ctx: ControllerContext,
  pod: KubeObject,
  c: any,
  list: string,
) {
  const fieldPath = containerPath(list, c.name);
  pullImage(ctx, pod, c, fieldPath);
  ctx.event(
    'kubelet',
    pod,
    'Normal',
    'Created',
    `Created container: ${c.name}`,
    fieldPath,
  );
  ctx.event(
    'kubelet',
    pod,
    'Normal',
    'Started',
    `Started container ${c.name}`,
    fieldPath,
  );
}

function containerStatus(
  pod: KubeObject,
  c: any,
  state: Record<string, unknown>,
  ready: boolean,
) {
  const ran = ready || 'terminated' in state || 'running' in state;
  return {
    name: c.name,
    image: c.image,
    imageID: ran
      ? `${imageReference(String(c.image))}@sha256:${'0'.repeat(64)}`
      : '',
    ...(ran
      ? {
          containerID: `containerd://${createHash('sha256')
            .update(`${pod.metadata.uid}/${c.name}`)
            .digest('hex')}`,
        }
      : {}),
    ready,
    restartCount: 0,
    started: 'running' in state,
    state,
  };
}

/** Init containers have run to completion when the pod's containers start. */
function initStatuses(pod: KubeObject, startedAt: string) {
  const init: any[] = pod.spec?.initContainers ?? [];
  if (init.length === 0) return {};
  return {
    initContainerStatuses: init.map(c => ({
      ...containerStatus(
        pod,
        c,
        {
          terminated: {
            exitCode: 0,
            reason: 'Completed',
            startedAt,
            finishedAt: startedAt,
          },
        },
        false,
      ),
      started: false,
    })),
  };
}

/**
 * The simulated node: a delay after a pod is created it is scheduled here
 * (spec.nodeName) and its containers start, Running and Ready, with the
 * scheduler's and the kubelet's events. A pod that runs to completion exits
 * when its command says (`sleep 3` takes 3 seconds, `exit 1` fails it; see
 * containerRun) or a delay later. An image tagged `fail` never pulls: the
 * pod stays Pending in ImagePullBackOff, the pull retried with back-off; a
 * pod that runs to completion fails with it.
 */
export function reconcilePod(
  ctx: ControllerContext,
  ns: string,
  name: string,
): void {
  const pod = ctx.get('', 'pods', ns, name);
  if (!pod || pod.metadata.deletionTimestamp) return;
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return;
  if (!pod.status?.startTime) {
    startPod(ctx, pod);
    return;
  }
  if (phase === 'Running' && runsToCompletion(pod)) {
    finishPod(ctx, pod);
    return;
  }
  if (phase === 'Pending' && pod.spec?.nodeName) retryPull(ctx, pod);
}

function startPod(ctx: ControllerContext, pod: KubeObject): void {
  const ns = pod.metadata.namespace!;
  const name = pod.metadata.name!;
  const now = timestamp();
  const prev = pod.status?.conditions;
  const containers: any[] = pod.spec?.containers ?? [];
  const initContainers: any[] = pod.spec?.initContainers ?? [];
  const failing = containers.some(c => imageFails(c.image));
  const ip = podIp();
  const base = {
    hostIP: HOST_IP,
    hostIPs: [{ ip: HOST_IP }],
    podIP: ip,
    podIPs: [{ ip }],
    qosClass: 'BestEffort',
    startTime: now,
  };
  ctx.events.recordSeries(
    'default-scheduler',
    `default-scheduler-${NODE_NAME}`,
    pod,
    'Normal',
    'Scheduled',
    'Binding',
    `Successfully assigned ${ns}/${name} to ${NODE_NAME}`,
  );
  let status: Record<string, unknown>;
  if (failing && runsToCompletion(pod)) {
    status = {
      ...base,
      phase: 'Failed',
      conditions: [
        condition(prev, 'PodReadyToStartContainers', 'False', '', '', now),
        condition(prev, 'Initialized', 'True', '', '', now),
        condition(prev, 'Ready', 'False', 'PodFailed', '', now),
        condition(prev, 'ContainersReady', 'False', 'PodFailed', '', now),
        condition(prev, 'PodScheduled', 'True', '', '', now),
      ].map(withoutEmptyReason),
      ...initStatuses(pod, now),
      containerStatuses: containers.map(c =>
        containerStatus(
          pod,
          c,
          {
            terminated: {
              exitCode: 1,
              reason: 'Error',
              startedAt: now,
              finishedAt: now,
            },
          },
          false,
        ),
      ),
    };
  } else if (failing) {
    const unready = `containers with unready status: [${containers
      .filter(c => imageFails(c.image))
      .map(c => c.name)
      .join(' ')}]`;
    status = {
      ...base,
      phase: 'Pending',
      conditions: [
        condition(prev, 'PodReadyToStartContainers', 'True', '', '', now),
        condition(prev, 'Initialized', 'True', '', '', now),
        condition(prev, 'Ready', 'False', 'ContainersNotReady', unready, now),
        condition(
          prev,
          'ContainersReady',
          'False',
          'ContainersNotReady',
          unready,
          now,
        ),
        condition(prev, 'PodScheduled', 'True', '', '', now),
      ].map(withoutEmptyReason),
      ...initStatuses(pod, now),
      containerStatuses: containers.map(c =>
        imageFails(c.image)
          ? containerStatus(
              pod,
              c,
              {
                waiting: {
                  reason: 'ImagePullBackOff',
                  message: `Back-off pulling image "${c.image}"`,
                },
              },
              false,
            )
          : containerStatus(pod, c, { running: { startedAt: now } }, true),
      ),
    };
  } else {
    ctx.startedAt.set(pod.metadata.uid!, Date.now());
    status = {
      ...base,
      phase: 'Running',
      conditions: [
        'PodReadyToStartContainers',
        'Initialized',
        'Ready',
        'ContainersReady',
        'PodScheduled',
      ].map(type =>
        withoutEmptyReason(condition(prev, type, 'True', '', '', now)),
      ),
      ...initStatuses(pod, now),
      containerStatuses: containers.map(c =>
        containerStatus(pod, c, { running: { startedAt: now } }, true),
      ),
    };
  }
  const bound = ctx.bindPod(pod, status);
  for (const c of initContainers)
    startContainer(ctx, bound, c, 'initContainers');
  for (const c of containers) {
    if (failing && !runsToCompletion(pod) && imageFails(c.image))
      failPull(ctx, bound, c, containerPath('containers', c.name));
    else startContainer(ctx, bound, c, 'containers');
  }
  if (failing && !runsToCompletion(pod)) {
    ctx.attempts.set(`pull/${pod.metadata.uid}`, 0);
    schedulePull(ctx, bound);
  } else if (!failing && runsToCompletion(pod)) {
    finishPod(ctx, bound);
  }
}

/** The next pull of a failing image, after the back-off. */
function schedulePull(ctx: ControllerContext, pod: KubeObject): void {
  const key = `pull/${pod.metadata.uid}`;
  const attempt = (ctx.attempts.get(key) ?? 0) + 1;
  const ns = pod.metadata.namespace!;
  const name = pod.metadata.name!;
  ctx.schedule(`${key}/retry`, backoffDelay(ctx.timing, attempt), () => {
    const live = ctx.get('', 'pods', ns, name);
    if (!live || live.metadata.uid !== pod.metadata.uid) return;
    ctx.attempts.set(key, attempt);
    retryPull(ctx, live, true);
  });
}

function retryPull(ctx: ControllerContext, pod: KubeObject, due = false): void {
  if (pod.metadata.deletionTimestamp || pod.status?.phase !== 'Pending') return;
  const failing = (pod.spec?.containers ?? []).filter((c: any) =>
    imageFails(c.image),
  );
  if (failing.length === 0) return;
  if (due) {
    for (const c of failing)
      failPull(ctx, pod, c, containerPath('containers', c.name));
  }
  // A change to the pod meanwhile (or a restart) finds the retry still planned.
  schedulePull(ctx, pod);
}

/** A pod that runs to completion exits once its longest container is done. */
function finishPod(ctx: ControllerContext, pod: KubeObject): void {
  const uid = pod.metadata.uid!;
  const containers: any[] = pod.spec?.containers ?? [];
  const runningSince =
    pod.status?.containerStatuses?.[0]?.state?.running?.startedAt;
  const started =
    ctx.startedAt.get(uid) ??
    Date.parse(runningSince ?? pod.status?.startTime ?? '');
  const runs = containers.map(c => containerRun(c));
  const durations = runs.map(r => r.durationMs ?? ctx.delayMs);
  const finishAt = started + Math.max(0, ...durations);
  const wait = finishAt - Date.now();
  if (wait > 0) {
    ctx.schedule(`exit/${uid}`, wait, () =>
      reconcilePod(ctx, pod.metadata.namespace!, pod.metadata.name!),
    );
    return;
  }
  const now = timestamp();
  const prev = pod.status?.conditions;
  const startedAt = timestamp(new Date(started));
  const failed = runs.some(r => r.exitCode !== 0);
  const reason = failed ? 'PodFailed' : 'PodCompleted';
  ctx.setStatus('', 'pods', pod, {
    ...pod.status,
    phase: failed ? 'Failed' : 'Succeeded',
    conditions: [
      condition(prev, 'PodReadyToStartContainers', 'False', '', '', now),
      condition(
        prev,
        'Initialized',
        'True',
        failed ? '' : 'PodCompleted',
        '',
        now,
      ),
      condition(prev, 'Ready', 'False', reason, '', now),
      condition(prev, 'ContainersReady', 'False', reason, '', now),
      condition(prev, 'PodScheduled', 'True', '', '', now),
    ].map(withoutEmptyReason),
    containerStatuses: containers.map((c, i) =>
      containerStatus(
        pod,
        c,
        {
          terminated: {
            exitCode: runs[i].exitCode,
            reason: runs[i].exitCode === 0 ? 'Completed' : 'Error',
            startedAt,
            finishedAt: timestamp(new Date(started + durations[i])),
          },
        },
        false,
      ),
    ),
  });
  ctx.startedAt.delete(uid);
}

/** Kubernetes leaves reason and message out of a condition that has none. */
function withoutEmptyReason(
  c: Record<string, unknown>,
): Record<string, unknown> {
  const out = { ...c };
  if (!out.reason) delete out.reason;
  if (!out.message) delete out.message;
  return out;
}

/** PersistentVolumeClaims bind to a made-up volume of the requested size. */
export function reconcileClaim(
  ctx: ControllerContext,
  ns: string,
  name: string,
): void {
  const pvc = ctx.get('', 'persistentvolumeclaims', ns, name);
  if (!pvc || pvc.metadata.deletionTimestamp || pvc.status?.phase === 'Bound')
    return;
  let current = pvc;
  if (!pvc.spec?.volumeName) {
    current =
      ctx.update('', 'persistentvolumeclaims', {
        ...pvc,
        metadata: {
          ...pvc.metadata,
          annotations: {
            ...pvc.metadata.annotations,
            'pv.kubernetes.io/bind-completed': 'yes',
            'pv.kubernetes.io/bound-by-controller': 'yes',
          },
        },
        spec: { ...pvc.spec, volumeName: `pvc-${pvc.metadata.uid}` },
      }) ?? pvc;
  }
  ctx.setStatus('', 'persistentvolumeclaims', current, {
    phase: 'Bound',
    accessModes: pvc.spec?.accessModes ?? ['ReadWriteOnce'],
    capacity: { storage: pvc.spec?.resources?.requests?.storage ?? '1Gi' },
  });
}

let nextLbIp = 1;

/** LoadBalancer Services and Ingresses get an external address. */
export function reconcileLoadBalancer(
  ctx: ControllerContext,
  group: string,
  resource: string,
  ns: string,
  name: string,
): void {
  const obj = ctx.get(group, resource, ns, name);
  if (!obj || obj.metadata.deletionTimestamp) return;
  if (resource === 'services' && obj.spec?.type !== 'LoadBalancer') return;
  if ((obj.status?.loadBalancer?.ingress ?? []).length > 0) return;
  const ip = `172.18.255.${(nextLbIp++ % 250) + 1}`;
  ctx.setStatus(group, resource, obj, {
    ...obj.status,
    loadBalancer: {
      ingress: [resource === 'services' ? { ip, ipMode: 'VIP' } : { ip }],
    },
  });
}

/** HorizontalPodAutoscalers report the replicas of their target. */
export function reconcileAutoscaler(
  ctx: ControllerContext,
  ns: string,
  name: string,
): void {
  const hpa = ctx.get('autoscaling', 'horizontalpodautoscalers', ns, name);
  if (!hpa || hpa.metadata.deletionTimestamp) return;
  const ref = hpa.spec?.scaleTargetRef ?? {};
  const resource = (
    {
      Deployment: 'deployments',
      StatefulSet: 'statefulsets',
      ReplicaSet: 'replicasets',
    } as Record<string, string>
  )[ref.kind];
  const target = resource ? ctx.get('apps', resource, ns, ref.name) : undefined;
  const now = timestamp();
  const prev = hpa.status?.conditions;
  const current = target?.status?.replicas ?? 0;
  const min = hpa.spec?.minReplicas ?? 1;
  const max = hpa.spec?.maxReplicas ?? min;
  ctx.setStatus('autoscaling', 'horizontalpodautoscalers', hpa, {
    currentReplicas: current,
    desiredReplicas: Math.min(max, Math.max(min, current)),
    conditions: target
      ? [
          condition(
            prev,
            'AbleToScale',
            'True',
            'ReadyForNewScale',
            'recommended size matches current size',
            now,
          ),
          condition(
            prev,
            'ScalingActive',
            'True',
            'ValidMetricFound',
            'the HPA was able to successfully calculate a replica count',
            now,
          ),
        ]
      : [
          condition(
            prev,
            'AbleToScale',
            'False',
            'FailedGetScale',
            `the HPA controller was unable to get the target's current scale: ${ref.kind} "${ref.name}" not found`,
            now,
          ),
        ],
  });
}
