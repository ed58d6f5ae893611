import { timestamp } from '../cluster';
import { labelSelectorRequirements, matchesLabels } from '../selectors';
import { deepClone, KubeObject } from '../types';
import {
  backoffDelay,
  condition,
  ControllerContext,
  controllerRef,
  isPodReady,
  templateFails,
  templateHash,
} from './runtime';

/**
 * Deployments: one ReplicaSet per pod template (named by its hash), the new
 * one scaled to the desired replicas, old ones scaled down once it is
 * available; status, conditions and observedGeneration as kubectl rollout
 * status reads them.
 */
export function reconcileDeployment(
  ctx: ControllerContext,
  ns: string,
  name: string,
): void {
  const d = ctx.get('apps', 'deployments', ns, name);
  if (!d || d.metadata.deletionTimestamp) return;
  const desired: number = d.spec?.replicas ?? 1;
  const hash = templateHash(d.spec.template);
  const rsName = `${name}-${hash}`;
  const owned = ctx.owned('apps', 'replicasets', d);
  const revisionOf = (rs: KubeObject) =>
    Number(rs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0);
  const maxRevision = Math.max(0, ...owned.map(revisionOf));
  let newRs = owned.find(rs => rs.metadata.name === rsName);
  if (!newRs) {
    const labels = {
      ...d.spec.template?.metadata?.labels,
      'pod-template-hash': hash,
    };
    newRs = ctx.create('apps', 'replicasets', {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: rsName,
        namespace: ns,
        labels,
        annotations: {
          'deployment.kubernetes.io/desired-replicas': String(desired),
          'deployment.kubernetes.io/max-replicas': String(desired + 1),
          'deployment.kubernetes.io/revision': String(maxRevision + 1),
        },
        ownerReferences: [controllerRef(d, 'apps/v1', 'Deployment')],
      },
      spec: {
        replicas: desired,
        selector: {
          ...deepClone(d.spec.selector),
          matchLabels: {
            ...d.spec.selector?.matchLabels,
            'pod-template-hash': hash,
          },
        },
        template: {
          ...deepClone(d.spec.template),
          metadata: { ...deepClone(d.spec.template?.metadata), labels },
        },
      },
    });
    if (!newRs) return;
    if (desired > 0) {
      ctx.event(
        'deployment-controller',
        d,
        'Normal',
        'ScalingReplicaSet',
        `Scaled up replica set ${rsName} from 0 to ${desired}`,
      );
    }
  } else if (
    newRs.spec.replicas !== desired ||
    revisionOf(newRs) < maxRevision
  ) {
    const next = deepClone(newRs);
    const from: number = newRs.spec.replicas ?? 1;
    next.spec.replicas = desired;
    next.metadata.annotations = {
      ...next.metadata.annotations,
      'deployment.kubernetes.io/desired-replicas': String(desired),
      'deployment.kubernetes.io/max-replicas': String(desired + 1),
    };
    if (revisionOf(newRs) < maxRevision) {
      next.metadata.annotations['deployment.kubernetes.io/revision'] = String(
        maxRevision + 1,
      );
    }
    const updated = ctx.update('apps', 'replicasets', next);
    if (updated && from !== desired) scaledEvent(ctx, d, rsName, from, desired);
    newRs = updated ?? newRs;
  }
  const olds = owned.filter(rs => rs.metadata.name !== rsName);
  const newAvailable = newRs.status?.availableReplicas ?? 0;
  if (newAvailable >= desired) {
    for (const old of olds) {
      if (old.spec.replicas === 0) continue;
      const scaled = ctx.update('apps', 'replicasets', {
        ...deepClone(old),
        spec: { ...old.spec, replicas: 0 },
      });
      if (scaled)
        scaledEvent(ctx, d, old.metadata.name!, old.spec.replicas ?? 1, 0);
    }
  }
  // Keep revisionHistoryLimit old ReplicaSets that are scaled to zero.
  const limit = d.spec.revisionHistoryLimit ?? 10;
  const idle = olds
    .filter(rs => rs.spec.replicas === 0 && (rs.status?.replicas ?? 0) === 0)
    .sort((a, b) => revisionOf(a) - revisionOf(b));
  for (const rs of idle.slice(0, Math.max(0, idle.length - limit)))
    ctx.delete('apps', 'replicasets', rs);

  const all = [newRs, ...olds];
  const sum = (f: (rs: KubeObject) => number) =>
    all.reduce((n, rs) => n + f(rs), 0);
  const replicas = sum(rs => rs.status?.replicas ?? 0);
  const updated = newRs.status?.replicas ?? 0;
  const ready = sum(rs => rs.status?.readyReplicas ?? 0);
  const available = sum(rs => rs.status?.availableReplicas ?? 0);
  const now = timestamp();
  const prev = d.status?.conditions;
  const maxUnavailable = percentOrNumber(
    d.spec.strategy?.rollingUpdate?.maxUnavailable ?? '25%',
    desired,
  );
  const minAvailable = Math.max(0, desired - maxUnavailable);
  const failing =
    templateFails(newRs.spec.template) &&
    ctx
      .owned('', 'pods', newRs)
      .some(p => p.status?.phase === 'Pending' && p.status?.containerStatuses);
  const complete =
    updated === desired &&
    replicas === desired &&
    available === desired &&
    newAvailable === desired;
  const conditions = [
    available >= minAvailable
      ? condition(
          prev,
          'Available',
          'True',
          'MinimumReplicasAvailable',
          'Deployment has minimum availability.',
          now,
          true,
        )
      : condition(
          prev,
          'Available',
          'False',
          'MinimumReplicasUnavailable',
          'Deployment does not have minimum availability.',
          now,
          true,
        ),
    progressing(prev, rsName, complete, failing, now),
  ];
  const status: Record<string, unknown> = {
    observedGeneration: d.metadata.generation,
    replicas,
    updatedReplicas: updated,
    readyReplicas: ready,
    availableReplicas: available,
    ...(desired - available > 0
      ? { unavailableReplicas: desired - available }
      : {}),
    conditions,
  };
  for (const key of [
    'replicas',
    'updatedReplicas',
    'readyReplicas',
    'availableReplicas',
  ]) {
    if (status[key] === 0) delete status[key];
  }
  ctx.setStatus('apps', 'deployments', d, status);
}

/** The deployment controller's event for each ReplicaSet it scales. */
function scaledEvent(
  ctx: ControllerContext,
  d: KubeObject,
  rsName: string,
  from: number,
  to: number,
): void {
  ctx.event(
    'deployment-controller',
    d,
    'Normal',
    'ScalingReplicaSet',
    `Scaled ${
      to > from ? 'up' : 'down'
    } replica set ${rsName} from ${from} to ${to}`,
  );
}

function progressing(
  prev: any[] | undefined,
  rsName: string,
  complete: boolean,
  failing: boolean,
  now: string,
) {
  if (complete) {
    return condition(
      prev,
      'Progressing',
      'True',
      'NewReplicaSetAvailable',
      `ReplicaSet "${rsName}" has successfully progressed.`,
      now,
      true,
    );
  }
  if (failing) {
    return condition(
      prev,
      'Progressing',
      'False',
      'ProgressDeadlineExceeded',
      `ReplicaSet "${rsName}" has timed out progressing.`,
      now,
      true,
    );
  }
  return condition(
    prev,
    'Progressing',
    'True',
    'ReplicaSetUpdated',
    `ReplicaSet "${rsName}" is progressing.`,
    now,
    true,
  );
}

function percentOrNumber(value: unknown, total: number): number {
  if (typeof value === 'number') return value;
  const m = /^(\d+)%$/.exec(String(value));
  return m ? Math.floor((Number(m[1]) * total) / 100) : 0;
}

/** A pod of a template: `name` ending in `-` is a generateName, as controllers ask for. */
function podFromTemplate(
  template: any,
  ns: string,
  name: string,
  owner: KubeObject,
  kind: string,
  extraLabels: Record<string, string> = {},
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...(name.endsWith('-') ? { generateName: name } : { name }),
      namespace: ns,
      labels: { ...template?.metadata?.labels, ...extraLabels },
      ...(template?.metadata?.annotations
        ? { annotations: template.metadata.annotations }
        : {}),
      ownerReferences: [
        controllerRef(owner, owner.apiVersion ?? 'apps/v1', kind),
      ],
    },
    spec: deepClone(template?.spec ?? {}),
  };
}

/**
 * Creates a controller's pod and reports it as that controller does
 * (SuccessfulCreate, or FailedCreate with the server's answer, retried
 * with back-off). False when it failed.
 */
function createPod(
  ctx: ControllerContext,
  owner: KubeObject,
  component: string,
  pod: KubeObject,
  messages: {
    created: (name: string) => string;
    failed: (error: string) => string;
  },
  retry: () => void,
): boolean {
  const { created, error } = ctx.tryCreate('', 'pods', pod);
  const key = `create/${owner.metadata.uid}`;
  if (created) {
    ctx.attempts.delete(key);
    ctx.event(
      component,
      owner,
      'Normal',
      'SuccessfulCreate',
      messages.created(created.metadata.name!),
    );
    return true;
  }
  if (error && error.code !== 404) {
    const attempt = (ctx.attempts.get(key) ?? 0) + 1;
    ctx.attempts.set(key, attempt);
    ctx.event(
      component,
      owner,
      'Warning',
      'FailedCreate',
      messages.failed(error.message),
    );
    ctx.schedule(`${key}/retry`, backoffDelay(ctx.timing, attempt), retry);
  }
  return false;
}

function deletePod(
  ctx: ControllerContext,
  owner: KubeObject,
  component: string,
  pod: KubeObject,
  message: string,
): void {
  if (ctx.delete('', 'pods', pod))
    ctx.event(component, owner, 'Normal', 'SuccessfulDelete', message);
}

const podCreated = {
  created: (name: string) => `Created pod: ${name}`,
  failed: (error: string) => `Error creating: ${error}`,
};

const alive = (pod: KubeObject) =>
  !pod.metadata.deletionTimestamp &&
  pod.status?.phase !== 'Failed' &&
  pod.status?.phase !== 'Succeeded';

/** ReplicaSets: as many pods as spec.replicas, and counts of ready ones. */
export function reconcileReplicaSet(
  ctx: ControllerContext,
  ns: string,
  name: string,
): void {
  const rs = ctx.get('apps', 'replicasets', ns, name);
  if (!rs || rs.metadata.deletionTimestamp) return;
  const desired: number = rs.spec?.replicas ?? 1;
  const pods = ctx.owned('', 'pods', rs).filter(alive);
  for (let i = pods.length; i < desired; i++) {
    const ok = createPod(
      ctx,
      rs,
      'replicaset-controller',
      podFromTemplate(
        rs.spec.template,
        ns,
        `${name}-`,
        { ...rs, apiVersion: 'apps/v1' },
        'ReplicaSet',
      ),
      podCreated,
      () => reconcileReplicaSet(ctx, ns, name),
    );
    if (!ok) break;
  }
  const extra = pods.slice(desired);
  for (const pod of extra)
    deletePod(
      ctx,
      rs,
      'replicaset-controller',
      pod,
      `Deleted pod: ${pod.metadata.name}`,
    );
  const current = ctx.owned('', 'pods', rs).filter(alive);
  const ready = current.filter(isPodReady).length;
  const selector = rs.spec.selector
    ? labelSelectorRequirements(rs.spec.selector)
    : [];
  const status: Record<string, unknown> = {
    replicas: current.length,
    fullyLabeledReplicas: current.filter(p =>
      matchesLabels(selector, p.metadata.labels),
    ).length,
    readyReplicas: ready,
    availableReplicas: ready,
    observedGeneration: rs.metadata.generation,
  };
  for (const key of [
    'fullyLabeledReplicas',
    'readyReplicas',
    'availableReplicas',
  ]) {
    if (status[key] === 0) delete status[key];
  }
  ctx.setStatus('apps', 'replicasets', rs, status);
}

/**
 * StatefulSets: ordinal pods (`web-0`, `web-1`), PVCs from
 * volumeClaimTemplates, revision hashes. A new pod template (a change, or
 * `kubectl rollout restart`) rolls the pods one at a time from the highest
 * ordinal, each once every pod is Ready (RollingUpdate, from `partition`
 * up), or only as they are deleted (OnDelete); `currentRevision` catches up
 * with `updateRevision` when all are updated and Ready.
 */
export function reconcileStatefulSet(
  ctx: ControllerContext,
  ns: string,
  name: string,
): void {
  const sts = ctx.get('apps', 'statefulsets', ns, name);
  if (!sts || sts.metadata.deletionTimestamp) return;
  const desired: number = sts.spec?.replicas ?? 1;
  const revision = `${name}-${templateHash(sts.spec.template)}`;
  const currentRevision: string = sts.status?.currentRevision ?? revision;
  const component = 'statefulset-controller';
  const pods = ctx.owned('', 'pods', sts).filter(alive);
  const ordinalOf = (pod: KubeObject) =>
    Number(pod.metadata.name!.slice(name.length + 1));
  for (let i = 0; i < desired; i++) {
    const podName = `${name}-${i}`;
    if (pods.some(p => p.metadata.name === podName)) continue;
    if (ctx.get('', 'pods', ns, podName)) continue; // still going away
    for (const tpl of sts.spec.volumeClaimTemplates ?? []) {
      const claim = `${tpl.metadata?.name}-${podName}`;
      if (!ctx.get('', 'persistentvolumeclaims', ns, claim)) {
        const created = ctx.create('', 'persistentvolumeclaims', {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: {
            name: claim,
            namespace: ns,
            labels: sts.spec.selector?.matchLabels,
          },
          spec: deepClone(tpl.spec),
        });
        if (created)
          ctx.event(
            component,
            sts,
            'Normal',
            'SuccessfulCreate',
            `create Claim ${claim} Pod ${podName} in StatefulSet ${name} success`,
          );
      }
    }
    createPod(
      ctx,
      sts,
      component,
      podFromTemplate(
        sts.spec.template,
        ns,
        podName,
        { ...sts, apiVersion: 'apps/v1' },
        'StatefulSet',
        {
          'controller-revision-hash': revision,
          'statefulset.kubernetes.io/pod-name': podName,
          'apps.kubernetes.io/pod-index': String(i),
        },
      ),
      {
        created: pod => `create Pod ${pod} in StatefulSet ${name} successful`,
        failed: error =>
          `create Pod ${podName} in StatefulSet ${name} failed error: ${error}`,
      },
      () => reconcileStatefulSet(ctx, ns, name),
    );
  }
  const deleted = (pod: KubeObject) =>
    deletePod(
      ctx,
      sts,
      component,
      pod,
      `delete Pod ${pod.metadata.name} in StatefulSet ${name} successful`,
    );
  for (const pod of pods) if (ordinalOf(pod) >= desired) deleted(pod);
  const kept = pods.filter(p => ordinalOf(p) < desired);
  const strategy = sts.spec.updateStrategy ?? {};
  if (strategy.type !== 'OnDelete') {
    const partition: number = strategy.rollingUpdate?.partition ?? 0;
    const outdated = kept
      .filter(
        p =>
          p.metadata.labels?.['controller-revision-hash'] !== revision &&
          ordinalOf(p) >= partition,
      )
      .sort((a, b) => ordinalOf(b) - ordinalOf(a));
    if (
      outdated.length > 0 &&
      kept.length === desired &&
      kept.every(isPodReady)
    ) {
      deleted(outdated[0]);
    }
  }
  const current = ctx.owned('', 'pods', sts).filter(alive);
  const updated = current.filter(
    p => p.metadata.labels?.['controller-revision-hash'] === revision,
  );
  const ready = current.filter(isPodReady).length;
  const rolledOut =
    updated.length === desired && updated.filter(isPodReady).length === desired;
  const shownCurrent = rolledOut ? revision : currentRevision;
  ctx.setStatus('apps', 'statefulsets', sts, {
    observedGeneration: sts.metadata.generation,
    replicas: current.length,
    readyReplicas: ready,
    currentReplicas: current.filter(
      p => p.metadata.labels?.['controller-revision-hash'] === shownCurrent,
    ).length,
    updatedReplicas: updated.length,
    availableReplicas: ready,
    currentRevision: shownCurrent,
    updateRevision: revision,
    collisionCount: 0,
  });
}

/** DaemonSets: the simulated cluster has one node, so one pod; a new template replaces it. */
export function reconcileDaemonSet(
  ctx: ControllerContext,
  ns: string,
  name: string,
): void {
  const ds = ctx.get('apps', 'daemonsets', ns, name);
  if (!ds || ds.metadata.deletionTimestamp) return;
  const component = 'daemonset-controller';
  const hash = templateHash(ds.spec.template);
  const pods = ctx.owned('', 'pods', ds).filter(alive);
  const onDelete = ds.spec.updateStrategy?.type === 'OnDelete';
  for (const pod of pods) {
    if (!onDelete && pod.metadata.labels?.['controller-revision-hash'] !== hash)
      deletePod(ctx, ds, component, pod, `Deleted pod: ${pod.metadata.name}`);
  }
  const remaining = ctx.owned('', 'pods', ds).filter(alive);
  if (remaining.length === 0) {
    createPod(
      ctx,
      ds,
      component,
      podFromTemplate(
        ds.spec.template,
        ns,
        `${name}-`,
        { ...ds, apiVersion: 'apps/v1' },
        'DaemonSet',
        {
          'controller-revision-hash': hash,
        },
      ),
      podCreated,
      () => reconcileDaemonSet(ctx, ns, name),
    );
  }
  const current = ctx.owned('', 'pods', ds).filter(alive);
  const ready = current.filter(isPodReady).length;
  const status: Record<string, unknown> = {
    currentNumberScheduled: current.length,
    desiredNumberScheduled: 1,
    numberMisscheduled: 0,
    numberReady: ready,
    numberAvailable: ready,
    updatedNumberScheduled: current.filter(
      p => p.metadata.labels?.['controller-revision-hash'] === hash,
    ).length,
    observedGeneration: ds.metadata.generation,
  };
  if (ready < 1) status.numberUnavailable = 1 - ready;
  ctx.setStatus('apps', 'daemonsets', ds, status);
}

/** A Job condition as the job controller writes it: with lastProbeTime. */
function jobCondition(
  prev: any[] | undefined,
  type: string,
  reason: string,
  message: string,
  now: string,
) {
  const c = condition(prev, type, 'True', reason, message, now);
  return {
    type,
    status: 'True',
    lastProbeTime: now,
    lastTransitionTime: c.lastTransitionTime,
    reason,
    message,
  };
}

/**
 * Jobs: pods run to completion (see the kubelet for how long); enough
 * successes complete the Job, a failed pod fails it at once. Events as the
 * job controller reports them; `ttlSecondsAfterFinished` deletes a
 * finished Job (and its pods) as the TTL-after-finished controller does.
 */
export function reconcileJob(
  ctx: ControllerContext,
  ns: string,
  name: string,
): void {
  const job = ctx.get('batch', 'jobs', ns, name);
  if (!job || job.metadata.deletionTimestamp) return;
  const component = 'job-controller';
  const done = (job.status?.conditions ?? []).some(
    (c: any) =>
      (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );
  if (done) {
    expireFinished(ctx, job);
    return;
  }
  const pods = ctx.owned('', 'pods', job);
  const succeeded = pods.filter(p => p.status?.phase === 'Succeeded').length;
  const failed = pods.filter(p => p.status?.phase === 'Failed').length;
  const active = pods.filter(alive);
  const completions: number = job.spec.completions ?? 1;
  const parallelism: number = job.spec.parallelism ?? 1;
  const now = timestamp();
  const prev = job.status?.conditions;
  const status: Record<string, any> = {
    startTime: job.status?.startTime ?? now,
    ...(active.length ? { active: active.length } : {}),
    ...(succeeded ? { succeeded } : {}),
    ...(failed ? { failed } : {}),
    ready: active.filter(isPodReady).length,
    terminating: 0,
    uncountedTerminatedPods: {},
  };
  if (failed > 0) {
    const message = 'Job has reached the specified backoff limit';
    status.conditions = [
      jobCondition(prev, 'FailureTarget', 'BackoffLimitExceeded', message, now),
      jobCondition(prev, 'Failed', 'BackoffLimitExceeded', message, now),
    ];
    for (const pod of active)
      deletePod(ctx, job, component, pod, `Deleted pod: ${pod.metadata.name}`);
    delete status.active;
    status.ready = 0;
    const written = ctx.setStatus('batch', 'jobs', job, status);
    if (written) {
      ctx.event(component, job, 'Warning', 'BackoffLimitExceeded', message);
      expireFinished(ctx, written);
    }
    return;
  }
  if (succeeded >= completions) {
    const message = 'Reached expected number of succeeded pods';
    status.completionTime = now;
    status.conditions = [
      jobCondition(
        prev,
        'SuccessCriteriaMet',
        'CompletionsReached',
        message,
        now,
      ),
      jobCondition(prev, 'Complete', 'CompletionsReached', message, now),
    ];
    const written = ctx.setStatus('batch', 'jobs', job, status);
    if (written) {
      ctx.event(component, job, 'Normal', 'Completed', 'Job completed');
      expireFinished(ctx, written);
    }
    return;
  }
  if (!job.spec.suspend) {
    const want = Math.min(parallelism, completions - succeeded) - active.length;
    for (let i = 0; i < want; i++) {
      const ok = createPod(
        ctx,
        job,
        component,
        podFromTemplate(
          job.spec.template,
          ns,
          `${name}-`,
          { ...job, apiVersion: 'batch/v1' },
          'Job',
          {
            'batch.kubernetes.io/job-name': name,
            'job-name': name,
          },
        ),
        podCreated,
        () => reconcileJob(ctx, ns, name),
      );
      if (!ok) break;
    }
    const nowActive = ctx.owned('', 'pods', job).filter(alive).length;
    if (nowActive) status.active = nowActive;
  }
  ctx.setStatus('batch', 'jobs', job, status);
}

/** The TTL-after-finished controller: a finished Job with ttlSecondsAfterFinished is deleted that long after. */
function expireFinished(ctx: ControllerContext, job: KubeObject): void {
  const ttl = job.spec?.ttlSecondsAfterFinished;
  if (typeof ttl !== 'number' || ttl < 0) return;
  const finished = (job.status?.conditions ?? []).find(
    (c: any) =>
      (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );
  const at = Date.parse(
    job.status?.completionTime ?? finished?.lastTransitionTime ?? '',
  );
  if (Number.isNaN(at)) return;
  const ns = job.metadata.namespace!;
  const uid = job.metadata.uid;
  const expire = () => {
    const live = ctx.get('batch', 'jobs', ns, job.metadata.name!);
    if (live && live.metadata.uid === uid && !live.metadata.deletionTimestamp)
      ctx.delete('batch', 'jobs', live);
  };
  const wait = at + ttl * 1000 - Date.now();
  if (wait <= 0) expire();
  else ctx.schedule(`ttl/${uid}`, wait, expire);
}
