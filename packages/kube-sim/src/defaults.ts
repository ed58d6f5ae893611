import { isPlainObject, KubeObject } from './types';

/**
 * The defaults the Kubernetes API server fills in on create and update, for
 * the fields users most often meet in diffs. Mutates `obj`.
 */
export function applyDefaults(
  kind: string,
  obj: KubeObject,
  allocate: Allocator,
): void {
  const spec = obj.spec;
  switch (kind) {
    case 'Namespace':
      obj.metadata.labels = {
        ...obj.metadata.labels,
        'kubernetes.io/metadata.name': obj.metadata.name!,
      };
      obj.spec = { finalizers: ['kubernetes'], ...obj.spec };
      obj.status = { phase: 'Active', ...obj.status };
      break;
    case 'Secret':
      obj.type ??= 'Opaque';
      if (isPlainObject(obj.stringData)) {
        obj.data = { ...obj.data };
        for (const [key, value] of Object.entries(obj.stringData)) {
          obj.data[key] = Buffer.from(String(value)).toString('base64');
        }
        delete obj.stringData;
      }
      break;
    case 'Service':
      if (isPlainObject(spec)) defaultService(spec, allocate);
      break;
    case 'Pod':
      if (isPlainObject(spec)) defaultPodSpec(spec);
      break;
    case 'Deployment':
      if (isPlainObject(spec)) {
        spec.replicas ??= 1;
        spec.revisionHistoryLimit ??= 10;
        spec.progressDeadlineSeconds ??= 600;
        // An empty strategy (`kubectl create deployment` sends `strategy: {}`)
        // gets the default type, as the API server's defaulting does.
        if (!isPlainObject(spec.strategy)) spec.strategy = {};
        spec.strategy.type ??= 'RollingUpdate';
        if (spec.strategy.type === 'RollingUpdate') {
          spec.strategy.rollingUpdate = {
            maxSurge: '25%',
            maxUnavailable: '25%',
            ...spec.strategy.rollingUpdate,
          };
        }
        defaultTemplate(spec.template);
      }
      break;
    case 'ReplicaSet':
      if (isPlainObject(spec)) {
        spec.replicas ??= 1;
        defaultTemplate(spec.template);
      }
      break;
    case 'StatefulSet':
      if (isPlainObject(spec)) {
        spec.replicas ??= 1;
        spec.podManagementPolicy ??= 'OrderedReady';
        spec.revisionHistoryLimit ??= 10;
        spec.updateStrategy = defaultUpdateStrategy(spec.updateStrategy, {
          partition: 0,
        });
        defaultTemplate(spec.template);
      }
      break;
    case 'DaemonSet':
      if (isPlainObject(spec)) {
        spec.revisionHistoryLimit ??= 10;
        spec.updateStrategy = defaultUpdateStrategy(spec.updateStrategy, {
          maxSurge: 0,
          maxUnavailable: 1,
        });
        defaultTemplate(spec.template);
      }
      break;
    case 'Job':
      if (isPlainObject(spec)) defaultJobSpec(spec);
      break;
    case 'CronJob':
      if (isPlainObject(spec)) {
        spec.concurrencyPolicy ??= 'Allow';
        spec.suspend ??= false;
        spec.successfulJobsHistoryLimit ??= 3;
        spec.failedJobsHistoryLimit ??= 1;
        if (isPlainObject(spec.jobTemplate?.spec)) {
          defaultTemplate(spec.jobTemplate.spec.template);
        }
      }
      break;
    case 'PersistentVolumeClaim':
      if (isPlainObject(spec)) spec.volumeMode ??= 'Filesystem';
      obj.status ??= { phase: 'Pending' };
      break;
    default:
      break;
  }
}

/** A StatefulSet's or DaemonSet's update strategy, empty or missing parts defaulted. */
function defaultUpdateStrategy(
  strategy: unknown,
  rollingUpdate: Record<string, unknown>,
): Record<string, any> {
  const result: Record<string, any> = isPlainObject(strategy) ? strategy : {};
  result.type ??= 'RollingUpdate';
  if (result.type === 'RollingUpdate') {
    result.rollingUpdate = { ...rollingUpdate, ...result.rollingUpdate };
  }
  return result;
}

export type Allocator = {
  clusterIP(): string;
  nodePort(): number;
};

function defaultService(spec: Record<string, any>, allocate: Allocator): void {
  spec.type ??= 'ClusterIP';
  spec.sessionAffinity ??= 'None';
  if (spec.type !== 'ExternalName') {
    if (spec.clusterIP === undefined || spec.clusterIP === '') {
      spec.clusterIP = allocate.clusterIP();
    }
    spec.clusterIPs ??= [spec.clusterIP];
    spec.ipFamilies ??= ['IPv4'];
    spec.ipFamilyPolicy ??= 'SingleStack';
    spec.internalTrafficPolicy ??= 'Cluster';
  }
  const external = spec.type === 'NodePort' || spec.type === 'LoadBalancer';
  if (external) {
    spec.externalTrafficPolicy ??= 'Cluster';
    if (spec.type === 'LoadBalancer')
      spec.allocateLoadBalancerNodePorts ??= true;
  }
  if (Array.isArray(spec.ports)) {
    for (const port of spec.ports) {
      if (!isPlainObject(port)) continue;
      port.protocol ??= 'TCP';
      port.targetPort ??= port.port;
      if (external && port.nodePort === undefined)
        port.nodePort = allocate.nodePort();
    }
  }
}

function defaultTemplate(template: unknown): void {
  if (isPlainObject(template) && isPlainObject(template.spec)) {
    defaultPodSpec(template.spec);
  }
}

/**
 * What the API server adds to a Job it creates (unless `manualSelector`):
 * a selector on the Job's uid, and the labels it selects on its template.
 */
export function defaultJobSelector(job: KubeObject): void {
  const spec = job.spec;
  if (!isPlainObject(spec) || spec.manualSelector === true) return;
  if (spec.selector !== undefined) return;
  const uid = job.metadata.uid!;
  const name = job.metadata.name!;
  spec.selector = {
    matchLabels: { 'batch.kubernetes.io/controller-uid': uid },
  };
  if (!isPlainObject(spec.template)) return;
  const metadata = isPlainObject(spec.template.metadata)
    ? spec.template.metadata
    : (spec.template.metadata = {});
  metadata.labels = {
    ...metadata.labels,
    'batch.kubernetes.io/controller-uid': uid,
    'batch.kubernetes.io/job-name': name,
    'controller-uid': uid,
    'job-name': name,
  };
}

function defaultJobSpec(spec: Record<string, any>): void {
  spec.parallelism ??= 1;
  spec.completions ??= 1;
  spec.backoffLimit ??= 6;
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  defaultTemplate(spec.template);
}

function defaultPodSpec(spec: Record<string, any>): void {
  spec.restartPolicy ??= 'Always';
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.schedulerName ??= 'default-scheduler';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.securityContext ??= {};
  for (const list of ['containers', 'initContainers']) {
    if (!Array.isArray(spec[list])) continue;
    for (const container of spec[list]) {
      if (!isPlainObject(container)) continue;
      const image = String(container.image ?? '');
      const tag = image.includes('@')
        ? 'digest'
        : /:([^/:]+)$/.exec(image)?.[1];
      container.imagePullPolicy ??=
        !tag || tag === 'latest' ? 'Always' : 'IfNotPresent';
      container.terminationMessagePath ??= '/dev/termination-log';
      container.terminationMessagePolicy ??= 'File';
      container.resources ??= {};
      defaultContainerPorts(container);
    }
  }
}

function defaultContainerPorts(container: Record<string, any>): void {
  if (!Array.isArray(container.ports)) return;
  for (const port of container.ports) {
    if (isPlainObject(port)) port.protocol ??= 'TCP';
  }
}

/**
 * Defaults the key fields of associative lists in an applied configuration
 * (a port's protocol), so its items match the stored ones as Kubernetes'
 * own defaulting makes them.
 */
export function defaultListKeys(kind: string, obj: KubeObject): void {
  const podSpecs: unknown[] = [];
  if (kind === 'Pod') podSpecs.push(obj.spec);
  else if (kind === 'CronJob')
    podSpecs.push(obj.spec?.jobTemplate?.spec?.template?.spec);
  else podSpecs.push(obj.spec?.template?.spec);
  for (const podSpec of podSpecs) {
    if (!isPlainObject(podSpec)) continue;
    for (const list of ['containers', 'initContainers']) {
      if (!Array.isArray(podSpec[list])) continue;
      for (const container of podSpec[list]) {
        if (isPlainObject(container)) defaultContainerPorts(container);
      }
    }
  }
  if (kind === 'Service' && Array.isArray(obj.spec?.ports)) {
    for (const port of obj.spec.ports) {
      if (isPlainObject(port)) port.protocol ??= 'TCP';
    }
  }
}
