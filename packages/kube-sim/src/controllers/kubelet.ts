import { timestamp } from '../cluster';
import { KubeObject } from '../types';
import { condition, ControllerContext, imageFails } from './runtime';

let nextPodIp = 1;

function podIp(): string {
  const n = nextPodIp++;
  return `10.244.${(n >> 8) & 255}.${n & 255}`;
}

/** Pods that run to completion rather than forever. */
function runsToCompletion(pod: KubeObject): boolean {
  return (pod.spec?.restartPolicy ?? 'Always') !== 'Always';
}

/**
 * The simulated node: pods start (Running and Ready) a delay after they are
 * created; pods of Jobs then succeed; an image tagged `fail` never pulls
 * (ImagePullBackOff), or fails a run-to-completion pod.
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
  const now = timestamp();
  const prev = pod.status?.conditions;
  const containers: any[] = pod.spec?.containers ?? [];
  const failing = containers.some(c => imageFails(c.image));
  const ip: string = pod.status?.podIP ?? podIp();
  const base = {
    hostIP: '172.18.0.2',
    hostIPs: [{ ip: '172.18.0.2' }],
    podIP: ip,
    podIPs: [{ ip }],
    qosClass: 'BestEffort',
    startTime: pod.status?.startTime ?? now,
  };
  const containerStatus = (
    c: any,
    state: Record<string, unknown>,
    ready: boolean,
  ) => ({
    name: c.name,
    image: c.image,
    imageID:
      ready || 'terminated' in state
        ? `docker.io/library/${c.image}@sha256:${'0'.repeat(64)}`
        : '',
    ...(ready || 'terminated' in state
      ? { containerID: `containerd://${pod.metadata.uid!.replace(/-/g, '')}` }
      : {}),
    ready,
    restartCount: 0,
    started: ready,
    state,
  });
  /** Every container has exited, with this code and reason, just now. */
  const terminatedStatuses = (
    exitCode: number,
    reason: string,
    startedAt: string,
  ) =>
    containers.map(c =>
      containerStatus(
        c,
        { terminated: { exitCode, reason, startedAt, finishedAt: now } },
        false,
      ),
    );
  if (failing) {
    if (runsToCompletion(pod)) {
      ctx.setStatus('', 'pods', pod, {
        ...base,
        phase: 'Failed',
        conditions: [
          condition(prev, 'PodScheduled', 'True', '', '', now),
          condition(prev, 'Ready', 'False', 'PodFailed', '', now),
        ],
        containerStatuses: terminatedStatuses(1, 'Error', now),
      });
      return;
    }
    const unready = `containers with unready status: [${containers
      .map(c => c.name)
      .join(' ')}]`;
    ctx.setStatus('', 'pods', pod, {
      ...base,
      phase: 'Pending',
      conditions: [
        condition(prev, 'PodScheduled', 'True', '', '', now),
        condition(prev, 'Initialized', 'True', '', '', now),
        condition(
          prev,
          'ContainersReady',
          'False',
          'ContainersNotReady',
          unready,
          now,
        ),
        condition(prev, 'Ready', 'False', 'ContainersNotReady', unready, now),
      ],
      containerStatuses: containers.map(c =>
        imageFails(c.image)
          ? containerStatus(
              c,
              {
                waiting: {
                  reason: 'ImagePullBackOff',
                  message: `Back-off pulling image "${c.image}"`,
                },
              },
              false,
            )
          : containerStatus(c, { running: { startedAt: now } }, true),
      ),
    });
    return;
  }
  if (phase === 'Running' && runsToCompletion(pod)) {
    ctx.setStatus('', 'pods', pod, {
      ...base,
      phase: 'Succeeded',
      conditions: [
        condition(prev, 'PodScheduled', 'True', '', '', now),
        condition(prev, 'Initialized', 'True', 'PodCompleted', '', now),
        condition(prev, 'ContainersReady', 'False', 'PodCompleted', '', now),
        condition(prev, 'Ready', 'False', 'PodCompleted', '', now),
      ],
      containerStatuses: terminatedStatuses(0, 'Completed', base.startTime),
    });
    return;
  }
  if (phase === 'Running') return;
  ctx.setStatus('', 'pods', pod, {
    ...base,
    phase: 'Running',
    conditions: [
      'PodReadyToStartContainers',
      'Initialized',
      'Ready',
      'ContainersReady',
      'PodScheduled',
    ]
      .map(type => condition(prev, type, 'True', '', '', now))
      .map(c => {
        const { reason: _r, message: _m, ...rest } = c as any;
        return rest;
      }),
    containerStatuses: containers.map(c =>
      containerStatus(c, { running: { startedAt: now } }, true),
    ),
  });
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
