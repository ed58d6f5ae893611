import { randomSuffix, timestamp } from '../cluster';
import { labelSelectorRequirements, matchesLabels } from '../selectors';
import { deepClone, KubeObject } from '../types';
import {
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
  } else if (
    newRs.spec.replicas !== desired ||
    revisionOf(newRs) < maxRevision
  ) {
    const next = deepClone(newRs);
    next.spec.replicas = desired;
    if (revisionOf(newRs) < maxRevision) {
      next.metadata.annotations = {
        ...next.metadata.annotations,
        'deployment.kubernetes.io/revision': String(maxRevision + 1),
      };
    }
    newRs = ctx.update('apps', 'replicasets', next) ?? newRs;
  }
  const olds = owned.filter(rs => rs.metadata.name !== rsName);
  const newAvailable = newRs.status?.availableReplicas ?? 0;
  if (newAvailable >= desired) {
    for (const old of olds) {
      if (old.spec.replicas !== 0)
        ctx.update('apps', 'replicasets', {
          ...deepClone(old),
          spec: { ...old.spec, replicas: 0 },
        });
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
      name,
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
    ctx.create(
      '',
      'pods',
      podFromTemplate(
        rs.spec.template,
        ns,
        `${name}-${randomSuffix()}`,
        { ...rs, apiVersion: 'apps/v1' },
        'ReplicaSet',
      ),
    );
  }
  const extra = pods.slice(desired);
  for (const pod of extra) ctx.delete('', 'pods', pod);
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

/** StatefulSets: ordinal pods (`web-0`, `web-1`), PVCs from volumeClaimTemplates, revision hashes. */
export function reconcileStatefulSet(
  ctx: ControllerContext,
  ns: string,
  name: string,
): void {
  const sts = ctx.get('apps', 'statefulsets', ns, name);
  if (!sts || sts.metadata.deletionTimestamp) return;
  const desired: number = sts.spec?.replicas ?? 1;
  const revision = `${name}-${templateHash(sts.spec.template)}`;
  const pods = ctx.owned('', 'pods', sts).filter(alive);
  for (let i = 0; i < desired; i++) {
    const podName = `${name}-${i}`;
    const pod = pods.find(p => p.metadata.name === podName);
    if (pod && pod.metadata.labels?.['controller-revision-hash'] !== revision) {
      ctx.delete('', 'pods', pod);
      continue;
    }
    if (pod) continue;
    for (const tpl of sts.spec.volumeClaimTemplates ?? []) {
      const claim = `${tpl.metadata?.name}-${podName}`;
      if (!ctx.get('', 'persistentvolumeclaims', ns, claim)) {
        ctx.create('', 'persistentvolumeclaims', {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: {
            name: claim,
            namespace: ns,
            labels: sts.spec.selector?.matchLabels,
          },
          spec: deepClone(tpl.spec),
        });
      }
    }
    ctx.create(
      '',
      'pods',
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
    );
  }
  for (const pod of pods) {
    const ordinal = Number(pod.metadata.name!.slice(name.length + 1));
    if (ordinal >= desired) ctx.delete('', 'pods', pod);
  }
  const current = ctx.owned('', 'pods', sts).filter(alive);
  const updated = current.filter(
    p => p.metadata.labels?.['controller-revision-hash'] === revision,
  );
  const ready = current.filter(isPodReady).length;
  ctx.setStatus('apps', 'statefulsets', sts, {
    observedGeneration: sts.metadata.generation,
    replicas: current.length,
    readyReplicas: ready,
    currentReplicas: updated.length,
    updatedReplicas: updated.length,
    availableReplicas: ready,
    currentRevision: revision,
    updateRevision: revision,
    collisionCount: 0,
  });
}

/** DaemonSets: the simulated cluster has one node, so one pod. */
export function reconcileDaemonSet(
  ctx: ControllerContext,
  ns: string,
  name: string,
): void {
  const ds = ctx.get('apps', 'daemonsets', ns, name);
  if (!ds || ds.metadata.deletionTimestamp) return;
  const hash = templateHash(ds.spec.template);
  const pods = ctx.owned('', 'pods', ds).filter(alive);
  for (const pod of pods) {
    if (pod.metadata.labels?.['controller-revision-hash'] !== hash)
      ctx.delete('', 'pods', pod);
  }
  if (
    !pods.some(p => p.metadata.labels?.['controller-revision-hash'] === hash)
  ) {
    ctx.create(
      '',
      'pods',
      podFromTemplate(
        ds.spec.template,
        ns,
        `${name}-${randomSuffix()}`,
        { ...ds, apiVersion: 'apps/v1' },
        'DaemonSet',
        {
          'controller-revision-hash': hash,
        },
      ),
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

/** Jobs: pods run to completion; a failing image fails the Job. */
export function reconcileJob(
  ctx: ControllerContext,
  ns: string,
  name: string,
): void {
  const job = ctx.get('batch', 'jobs', ns, name);
  if (!job || job.metadata.deletionTimestamp) return;
  const pods = ctx.owned('', 'pods', job);
  const succeeded = pods.filter(p => p.status?.phase === 'Succeeded').length;
  const failed = pods.filter(p => p.status?.phase === 'Failed').length;
  const active = pods.filter(alive);
  const completions: number = job.spec.completions ?? 1;
  const parallelism: number = job.spec.parallelism ?? 1;
  const now = timestamp();
  const prev = job.status?.conditions;
  const done = (job.status?.conditions ?? []).some(
    (c: any) =>
      (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );
  const status: Record<string, any> = {
    startTime: job.status?.startTime ?? now,
    ...(active.length ? { active: active.length } : {}),
    ...(succeeded ? { succeeded } : {}),
    ...(failed ? { failed } : {}),
    ready: active.filter(isPodReady).length,
    terminating: 0,
    uncountedTerminatedPods: {},
  };
  if (done) return;
  if (failed > 0) {
    status.conditions = [
      condition(
        prev,
        'FailureTarget',
        'True',
        'BackoffLimitExceeded',
        'Job has reached the specified backoff limit',
        now,
      ),
      condition(
        prev,
        'Failed',
        'True',
        'BackoffLimitExceeded',
        'Job has reached the specified backoff limit',
        now,
      ),
    ];
    for (const pod of active) ctx.delete('', 'pods', pod);
    delete status.active;
  } else if (succeeded >= completions) {
    status.completionTime = now;
    status.conditions = [
      condition(
        prev,
        'SuccessCriteriaMet',
        'True',
        'CompletionsReached',
        'Reached expected number of succeeded pods',
        now,
      ),
      condition(
        prev,
        'Complete',
        'True',
        'CompletionsReached',
        'Reached expected number of succeeded pods',
        now,
      ),
    ];
  } else if (!job.spec.suspend) {
    const want = Math.min(parallelism, completions - succeeded) - active.length;
    for (let i = 0; i < want; i++) {
      ctx.create(
        '',
        'pods',
        podFromTemplate(
          job.spec.template,
          ns,
          `${name}-${randomSuffix()}`,
          { ...job, apiVersion: 'batch/v1' },
          'Job',
          {
            'batch.kubernetes.io/job-name': name,
            'job-name': name,
          },
        ),
      );
    }
    const nowActive = ctx.owned('', 'pods', job).filter(alive).length;
    if (nowActive) status.active = nowActive;
  }
  ctx.setStatus('batch', 'jobs', job, status);
}
