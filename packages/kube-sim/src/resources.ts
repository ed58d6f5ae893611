import { eventFieldLabel, fromEventsV1, toEventsV1 } from './eventsApi';
import { ListType } from './schema';
import { KubeObject } from './types';

/**
 * A resource served from another one's storage, converted on the way in and
 * out (events.k8s.io/v1 Events are core v1 Events).
 */
export type StorageView = {
  group: string;
  resource: string;
  /** The stored (core) form of an object written through this resource. */
  toStored(obj: KubeObject): KubeObject;
  /** A stored object as this resource serves it. */
  fromStored(obj: KubeObject): KubeObject;
};

/** One kind of object the server stores, as discovery describes it. */
export type ResourceType = {
  group: string;
  /** Served versions, preferred first. */
  versions: string[];
  resource: string;
  kind: string;
  listKind: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  verbs: string[];
  subresources: string[];
  /** True for custom resources: no strategic merge patch, lists atomic unless the schema says otherwise. */
  custom?: boolean;
  /** A CRD's `openAPIV3Schema` of each served version, which custom resources are checked against. */
  customSchemas?: Record<string, unknown>;
  /** List types declared by a CRD schema, keyed by dotted field path. */
  customListTypes?: Record<string, ListType>;
  /** A CRD's additionalPrinterColumns, for `kubectl get`. */
  printerColumns?: any[];
  /** Only `create` is served (reviews such as SelfSubjectAccessReview). */
  createOnly?: boolean;
  /** Served from another resource's storage. */
  storage?: StorageView;
  /** Maps a field selector label to the dotted path of the stored object it selects. */
  fieldLabel?: (label: string) => string;
};

const allVerbs = [
  'create',
  'delete',
  'deletecollection',
  'get',
  'list',
  'patch',
  'update',
  'watch',
];

function builtin(
  group: string,
  version: string,
  kind: string,
  resource: string,
  namespaced: boolean,
  extra: Partial<ResourceType> = {},
): ResourceType {
  return {
    group,
    versions: [version],
    resource,
    kind,
    listKind: `${kind}List`,
    singular: kind.toLowerCase(),
    namespaced,
    verbs: allVerbs,
    subresources: [],
    ...extra,
  };
}

const status = { subresources: ['status'] };
const all = { categories: ['all'] };

/** The built-in resources kube-sim serves. */
export function builtinResources(): ResourceType[] {
  return [
    builtin('', 'v1', 'Namespace', 'namespaces', false, {
      shortNames: ['ns'],
      verbs: allVerbs.filter(v => v !== 'deletecollection'),
      ...status,
    }),
    builtin('', 'v1', 'ConfigMap', 'configmaps', true, { shortNames: ['cm'] }),
    builtin('', 'v1', 'Secret', 'secrets', true),
    builtin('', 'v1', 'Service', 'services', true, {
      shortNames: ['svc'],
      ...all,
      verbs: allVerbs,
      ...status,
    }),
    builtin('', 'v1', 'ServiceAccount', 'serviceaccounts', true, {
      shortNames: ['sa'],
      subresources: ['token'],
    }),
    builtin('', 'v1', 'Pod', 'pods', true, {
      shortNames: ['po'],
      ...all,
      subresources: ['status', 'log'],
    }),
    builtin('', 'v1', 'PersistentVolumeClaim', 'persistentvolumeclaims', true, {
      shortNames: ['pvc'],
      ...status,
    }),
    builtin('', 'v1', 'Event', 'events', true, {
      shortNames: ['ev'],
      fieldLabel: eventFieldLabel,
    }),
    builtin('events.k8s.io', 'v1', 'Event', 'events', true, {
      shortNames: ['ev'],
      fieldLabel: eventFieldLabel,
      storage: {
        group: '',
        resource: 'events',
        toStored: fromEventsV1,
        fromStored: toEventsV1,
      },
    }),
    builtin('apps', 'v1', 'Deployment', 'deployments', true, {
      shortNames: ['deploy'],
      ...all,
      subresources: ['status', 'scale'],
    }),
    builtin('apps', 'v1', 'ReplicaSet', 'replicasets', true, {
      shortNames: ['rs'],
      ...all,
      subresources: ['status', 'scale'],
    }),
    builtin('apps', 'v1', 'StatefulSet', 'statefulsets', true, {
      shortNames: ['sts'],
      ...all,
      subresources: ['status', 'scale'],
    }),
    builtin('apps', 'v1', 'DaemonSet', 'daemonsets', true, {
      shortNames: ['ds'],
      ...all,
      ...status,
    }),
    builtin('batch', 'v1', 'Job', 'jobs', true, { ...all, ...status }),
    builtin('batch', 'v1', 'CronJob', 'cronjobs', true, {
      shortNames: ['cj'],
      ...all,
      ...status,
    }),
    builtin('networking.k8s.io', 'v1', 'Ingress', 'ingresses', true, {
      shortNames: ['ing'],
      ...status,
    }),
    builtin(
      'autoscaling',
      'v2',
      'HorizontalPodAutoscaler',
      'horizontalpodautoscalers',
      true,
      { shortNames: ['hpa'], ...all, ...status },
    ),
    builtin('rbac.authorization.k8s.io', 'v1', 'Role', 'roles', true),
    builtin(
      'rbac.authorization.k8s.io',
      'v1',
      'RoleBinding',
      'rolebindings',
      true,
    ),
    builtin(
      'rbac.authorization.k8s.io',
      'v1',
      'ClusterRole',
      'clusterroles',
      false,
    ),
    builtin(
      'rbac.authorization.k8s.io',
      'v1',
      'ClusterRoleBinding',
      'clusterrolebindings',
      false,
    ),
    builtin(
      'apiextensions.k8s.io',
      'v1',
      'CustomResourceDefinition',
      'customresourcedefinitions',
      false,
      { shortNames: ['crd', 'crds'], ...status },
    ),
    builtin(
      'authorization.k8s.io',
      'v1',
      'SelfSubjectAccessReview',
      'selfsubjectaccessreviews',
      false,
      { verbs: ['create'], createOnly: true },
    ),
    builtin(
      'authorization.k8s.io',
      'v1',
      'SelfSubjectRulesReview',
      'selfsubjectrulesreviews',
      false,
      { verbs: ['create'], createOnly: true },
    ),
    builtin(
      'authentication.k8s.io',
      'v1',
      'SelfSubjectReview',
      'selfsubjectreviews',
      false,
      { verbs: ['create'], createOnly: true },
    ),
  ];
}

/** The `apiVersion` string of a group and version (`v1`, `apps/v1`). */
export function groupVersion(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

/** Splits `apps/v1` into its group and version. */
export function parseApiVersion(apiVersion: string): {
  group: string;
  version: string;
} {
  const slash = apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : {
        group: apiVersion.slice(0, slash),
        version: apiVersion.slice(slash + 1),
      };
}

/** Resource types by group and resource name, changing as CRDs come and go. */
export class ResourceRegistry {
  private readonly byKey = new Map<string, ResourceType>();

  constructor(types: ResourceType[] = builtinResources()) {
    for (const type of types) this.add(type);
  }

  add(type: ResourceType): void {
    this.byKey.set(`${type.group}/${type.resource}`, type);
  }

  remove(group: string, resource: string): void {
    this.byKey.delete(`${group}/${resource}`);
  }

  get(group: string, resource: string): ResourceType | undefined {
    return this.byKey.get(`${group}/${resource}`);
  }

  /** Looks a resource up by the group/version it is served at. */
  find(
    group: string,
    version: string,
    resource: string,
  ): ResourceType | undefined {
    const type = this.get(group, resource);
    return type && type.versions.includes(version) ? type : undefined;
  }

  byKind(group: string, kind: string): ResourceType | undefined {
    for (const type of this.byKey.values()) {
      if (type.group === group && type.kind === kind) return type;
    }
    return undefined;
  }

  all(): ResourceType[] {
    return [...this.byKey.values()];
  }

  /** The types served at one group/version (discovery and OpenAPI list the same ones). */
  servedAt(group: string, version: string): ResourceType[] {
    return this.all().filter(
      t => t.group === group && t.versions.includes(version),
    );
  }
}
