import { ResourceType } from './resources';
import { KubeObject } from './types';

/**
 * Server-side printing (`Accept: application/json;as=Table;g=meta.k8s.io;v=v1`),
 * as `kubectl get` asks for it: the columns Kubernetes prints for the common
 * kinds, a CRD's additionalPrinterColumns, and NAME/AGE for everything else.
 */

export type Column = {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
};

type Cell = string | number | boolean;

type Printer = {
  columns: Column[];
  cells: (obj: KubeObject, now: number) => Cell[];
};

const col = (
  name: string,
  type = 'string',
  priority = 0,
  format = '',
): Column => ({
  name,
  type,
  format,
  description: name,
  priority,
});

const nameColumn: Column = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description:
    'Name must be unique within a namespace. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
  priority: 0,
};

/** Kubernetes' short human durations: 45s, 5m30s, 3h, 2d4h, 1y20d. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10)
    return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8)
    return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 8)
    return hours % 24 === 0 ? `${days}d` : `${days}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.floor(days / 365);
  if (hours < 24 * 365 * 8)
    return days % 365 === 0 ? `${years}y` : `${years}y${days % 365}d`;
  return `${years}y`;
}

function age(obj: KubeObject, now: number): string {
  const created = Date.parse(obj.metadata.creationTimestamp ?? '');
  return Number.isNaN(created) ? '<unknown>' : humanDuration(now - created);
}

const count = (value: unknown) => (typeof value === 'number' ? value : 0);

function podStatus(pod: KubeObject): string {
  if (pod.metadata.deletionTimestamp) return 'Terminating';
  for (const status of pod.status?.containerStatuses ?? []) {
    const reason =
      status.state?.waiting?.reason ?? status.state?.terminated?.reason;
    if (reason && pod.status?.phase !== 'Succeeded') return reason;
  }
  if (pod.status?.phase === 'Succeeded') return 'Completed';
  return pod.status?.phase ?? 'Pending';
}

function servicePorts(svc: KubeObject): string {
  const ports: any[] = svc.spec?.ports ?? [];
  if (ports.length === 0) return '<none>';
  return ports
    .map(
      p =>
        `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`,
    )
    .join(',');
}

function externalIp(svc: KubeObject): string {
  const type = svc.spec?.type ?? 'ClusterIP';
  if (type === 'ExternalName') return svc.spec?.externalName ?? '<none>';
  const ingress: any[] = svc.status?.loadBalancer?.ingress ?? [];
  const ips = [
    ...(svc.spec?.externalIPs ?? []),
    ...ingress.map(i => i.ip ?? i.hostname),
  ];
  if (ips.length > 0) return ips.join(',');
  return type === 'LoadBalancer' ? '<pending>' : '<none>';
}

function jobStatus(job: KubeObject): string {
  const conditions: any[] = job.status?.conditions ?? [];
  if (conditions.some(c => c.type === 'Complete' && c.status === 'True'))
    return 'Complete';
  if (conditions.some(c => c.type === 'Failed' && c.status === 'True'))
    return 'Failed';
  return job.spec?.suspend ? 'Suspended' : 'Running';
}

function since(time: unknown, now: number): string {
  const at = typeof time === 'string' ? Date.parse(time) : NaN;
  return Number.isNaN(at) ? '<unknown>' : humanDuration(now - at);
}

function eventSource(e: KubeObject): string {
  const source = e.source ?? e.deprecatedSource ?? {};
  const [component, instance] =
    source.component || source.host
      ? [source.component, source.host]
      : [e.reportingComponent ?? e.reportingController, e.reportingInstance];
  if (!component) return '<unknown>';
  return instance ? `${component}, ${instance}` : component;
}

/** Kubernetes' printer for Events (core v1 or events.k8s.io/v1). */
function eventCells(e: KubeObject, now: number): Cell[] {
  const first = e.firstTimestamp ?? e.deprecatedFirstTimestamp;
  const last = e.lastTimestamp ?? e.deprecatedLastTimestamp;
  const firstSeen = first ? since(first, now) : since(e.eventTime, now);
  let lastSeen = last ? since(last, now) : firstSeen;
  let seen = count(e.count ?? e.deprecatedCount);
  if (e.series) {
    lastSeen = since(e.series.lastObservedTime, now);
    seen = count(e.series.count);
  } else if (seen === 0) seen = 1;
  const involved = e.involvedObject ?? e.regarding ?? {};
  const kind = String(involved.kind ?? '').toLowerCase();
  return [
    lastSeen,
    e.type ?? '',
    e.reason ?? '',
    involved.name ? `${kind}/${involved.name}` : kind,
    involved.fieldPath ?? '',
    eventSource(e),
    String(e.message ?? e.note ?? '').trim(),
    firstSeen,
    seen,
    e.metadata.name!,
  ];
}

const printers: Record<string, Printer> = {
  Event: {
    columns: [
      col('Last Seen'),
      col('Type'),
      col('Reason'),
      col('Object'),
      col('Subobject', 'string', 1),
      col('Source', 'string', 1),
      col('Message'),
      col('First Seen', 'string', 1),
      col('Count', 'integer', 1),
      col('Name', 'string', 1),
    ],
    cells: eventCells,
  },
  Pod: {
    columns: [
      nameColumn,
      col('Ready'),
      col('Status'),
      col('Restarts', 'string'),
      col('Age'),
      col('IP', 'string', 1),
      col('Node', 'string', 1),
    ],
    cells: (pod, now) => {
      const statuses: any[] = pod.status?.containerStatuses ?? [];
      const total = (pod.spec?.containers ?? []).length;
      const ready = statuses.filter(s => s.ready).length;
      const restarts = statuses.reduce((n, s) => n + count(s.restartCount), 0);
      return [
        pod.metadata.name!,
        `${ready}/${total}`,
        podStatus(pod),
        String(restarts),
        age(pod, now),
        pod.status?.podIP ?? '<none>',
        pod.spec?.nodeName ?? (pod.status?.hostIP ? 'kube-sim' : '<none>'),
      ];
    },
  },
  Deployment: {
    columns: [
      nameColumn,
      col('Ready'),
      col('Up-to-date', 'integer'),
      col('Available', 'integer'),
      col('Age'),
    ],
    cells: (d, now) => [
      d.metadata.name!,
      `${count(d.status?.readyReplicas)}/${count(d.spec?.replicas)}`,
      count(d.status?.updatedReplicas),
      count(d.status?.availableReplicas),
      age(d, now),
    ],
  },
  ReplicaSet: {
    columns: [
      nameColumn,
      col('Desired', 'integer'),
      col('Current', 'integer'),
      col('Ready', 'integer'),
      col('Age'),
    ],
    cells: (rs, now) => [
      rs.metadata.name!,
      count(rs.spec?.replicas),
      count(rs.status?.replicas),
      count(rs.status?.readyReplicas),
      age(rs, now),
    ],
  },
  StatefulSet: {
    columns: [nameColumn, col('Ready'), col('Age')],
    cells: (s, now) => [
      s.metadata.name!,
      `${count(s.status?.readyReplicas)}/${count(s.spec?.replicas)}`,
      age(s, now),
    ],
  },
  DaemonSet: {
    columns: [
      nameColumn,
      col('Desired', 'integer'),
      col('Current', 'integer'),
      col('Ready', 'integer'),
      col('Up-to-date', 'integer'),
      col('Available', 'integer'),
      col('Age'),
    ],
    cells: (d, now) => [
      d.metadata.name!,
      count(d.status?.desiredNumberScheduled),
      count(d.status?.currentNumberScheduled),
      count(d.status?.numberReady),
      count(d.status?.updatedNumberScheduled),
      count(d.status?.numberAvailable),
      age(d, now),
    ],
  },
  Job: {
    columns: [nameColumn, col('Status'), col('Completions'), col('Age')],
    cells: (j, now) => [
      j.metadata.name!,
      jobStatus(j),
      `${count(j.status?.succeeded)}/${j.spec?.completions ?? 1}`,
      age(j, now),
    ],
  },
  CronJob: {
    columns: [
      nameColumn,
      col('Schedule'),
      col('Suspend', 'boolean'),
      col('Active', 'integer'),
      col('Age'),
    ],
    cells: (c, now) => [
      c.metadata.name!,
      c.spec?.schedule ?? '',
      Boolean(c.spec?.suspend),
      (c.status?.active ?? []).length,
      age(c, now),
    ],
  },
  Service: {
    columns: [
      nameColumn,
      col('Type'),
      col('Cluster-IP'),
      col('External-IP'),
      col('Port(s)'),
      col('Age'),
    ],
    cells: (s, now) => [
      s.metadata.name!,
      s.spec?.type ?? 'ClusterIP',
      s.spec?.clusterIP ?? '<none>',
      externalIp(s),
      servicePorts(s),
      age(s, now),
    ],
  },
  ConfigMap: {
    columns: [nameColumn, col('Data', 'integer'), col('Age')],
    cells: (c, now) => [
      c.metadata.name!,
      Object.keys(c.data ?? {}).length + Object.keys(c.binaryData ?? {}).length,
      age(c, now),
    ],
  },
  Secret: {
    columns: [nameColumn, col('Type'), col('Data', 'integer'), col('Age')],
    cells: (s, now) => [
      s.metadata.name!,
      s.type ?? 'Opaque',
      Object.keys(s.data ?? {}).length,
      age(s, now),
    ],
  },
  Namespace: {
    columns: [nameColumn, col('Status'), col('Age')],
    cells: (n, now) => [
      n.metadata.name!,
      n.status?.phase ?? 'Active',
      age(n, now),
    ],
  },
  PersistentVolumeClaim: {
    columns: [
      nameColumn,
      col('Status'),
      col('Volume'),
      col('Capacity'),
      col('Access Modes'),
      col('Age'),
    ],
    cells: (p, now) => [
      p.metadata.name!,
      p.status?.phase ?? 'Pending',
      p.spec?.volumeName ?? '',
      p.status?.capacity?.storage ?? '',
      (p.status?.accessModes ?? [])
        .map(
          (m: string) =>
            ((
              {
                ReadWriteOnce: 'RWO',
                ReadOnlyMany: 'ROX',
                ReadWriteMany: 'RWX',
                ReadWriteOncePod: 'RWOP',
              } as Record<string, string>
            )[m] ?? m),
        )
        .join(','),
      age(p, now),
    ],
  },
  Ingress: {
    columns: [
      nameColumn,
      col('Class'),
      col('Hosts'),
      col('Address'),
      col('Age'),
    ],
    cells: (i, now) => [
      i.metadata.name!,
      i.spec?.ingressClassName ?? '<none>',
      (i.spec?.rules ?? []).map((r: any) => r.host ?? '*').join(',') || '*',
      (i.status?.loadBalancer?.ingress ?? [])
        .map((x: any) => x.ip ?? x.hostname)
        .join(','),
      age(i, now),
    ],
  },
  CustomResourceDefinition: {
    columns: [nameColumn, col('Created At', 'date')],
    cells: c => [c.metadata.name!, c.metadata.creationTimestamp ?? ''],
  },
};

const defaultPrinter: Printer = {
  columns: [nameColumn, col('Age')],
  cells: (obj, now) => [obj.metadata.name!, age(obj, now)],
};

/** Reads a simple JSONPath (`.spec.size`, `.status.conditions[0].type`). */
function jsonPathValue(obj: unknown, path: string): unknown {
  let node: any = obj;
  for (const part of path
    .replace(/^\{?\.?/, '')
    .replace(/\}$/, '')
    .split('.')) {
    if (node === undefined || node === null) return undefined;
    const m = /^([^[]*)(?:\[(\d+)\])?$/.exec(part);
    if (!m) return undefined;
    if (m[1]) node = node[m[1]];
    if (m[2] !== undefined)
      node = Array.isArray(node) ? node[Number(m[2])] : undefined;
  }
  return node;
}

/** A printer for a CRD's additionalPrinterColumns (NAME and AGE without them). */
export function crdPrinter(columns: any[] | undefined): Printer | undefined {
  if (!Array.isArray(columns) || columns.length === 0) return undefined;
  return {
    columns: [
      nameColumn,
      ...columns.map(c => ({
        ...col(
          c.name,
          c.type === 'date' ? 'string' : c.type ?? 'string',
          c.priority ?? 0,
        ),
        description: c.description ?? c.name,
      })),
    ],
    cells: (obj, now) => [
      obj.metadata.name!,
      ...columns.map(c => {
        const value = jsonPathValue(obj, c.jsonPath ?? '');
        if (c.type === 'date' && typeof value === 'string') {
          const time = Date.parse(value);
          return Number.isNaN(time) ? '<invalid>' : humanDuration(now - time);
        }
        if (value === undefined || value === null) return '';
        return typeof value === 'object'
          ? JSON.stringify(value)
          : (value as Cell);
      }),
    ],
  };
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** Builds a Table of objects the way the API server answers `as=Table`. */
export function toTable(
  type: ResourceType,
  objects: KubeObject[],
  options: {
    resourceVersion?: string;
    includeObject?: IncludeObject;
    now?: number;
    printer?: Printer;
  } = {},
): KubeObject {
  const printer =
    options.printer ?? printers[type.custom ? '' : type.kind] ?? defaultPrinter;
  const now = options.now ?? Date.now();
  const include = options.includeObject ?? 'Metadata';
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: options.resourceVersion
      ? { resourceVersion: options.resourceVersion }
      : {},
    columnDefinitions: printer.columns,
    rows: objects.map(obj => ({
      cells: printer.cells(obj, now),
      ...(include === 'None'
        ? {}
        : {
            object:
              include === 'Object'
                ? obj
                : {
                    kind: 'PartialObjectMetadata',
                    apiVersion: 'meta.k8s.io/v1',
                    metadata: obj.metadata,
                  },
          }),
    })),
  };
}

/** Whether an Accept header asks for a meta.k8s.io Table. */
export function wantsTable(accept: string | undefined): boolean {
  return (accept ?? '')
    .split(',')
    .some(
      part =>
        /;\s*as=Table(;|$)/.test(part) &&
        /;\s*g=meta\.k8s\.io(;|$)/.test(part) &&
        /;\s*v=v1(;|$)/.test(part),
    );
}
