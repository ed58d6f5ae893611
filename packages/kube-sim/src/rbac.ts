import { Store } from './store';
import { KubeObject } from './types';

/** Who a request comes from. */
export type UserInfo = { name: string; groups: string[] };

/** What a request wants to do, as RBAC sees it. */
export type Attributes =
  | {
      kind: 'resource';
      verb: string;
      group: string;
      resource: string;
      subresource?: string;
      namespace?: string;
      name?: string;
    }
  | { kind: 'nonResource'; verb: string; path: string };

export type PolicyRule = {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
};

export const ADMIN_GROUP = 'system:masters';

const RBAC = 'rbac.authorization.k8s.io';

function subjectMatches(
  subject: any,
  user: UserInfo,
  bindingNamespace?: string,
): boolean {
  switch (subject?.kind) {
    case 'User':
      return subject.name === user.name;
    case 'Group':
      return user.groups.includes(subject.name);
    case 'ServiceAccount': {
      const ns = subject.namespace ?? bindingNamespace;
      return user.name === `system:serviceaccount:${ns}:${subject.name}`;
    }
    default:
      return false;
  }
}

function roleRules(
  store: Store,
  roleRef: any,
  bindingNamespace?: string,
): PolicyRule[] {
  if (roleRef?.kind === 'ClusterRole') {
    return store.get(`${RBAC}/clusterroles`, '', roleRef.name)?.rules ?? [];
  }
  if (roleRef?.kind === 'Role' && bindingNamespace) {
    return (
      store.get(`${RBAC}/roles`, bindingNamespace, roleRef.name)?.rules ?? []
    );
  }
  return [];
}

/** The rules that apply to a user in a namespace (cluster-wide rules always; namespace ones there). */
export function rulesFor(
  store: Store,
  user: UserInfo,
  namespace?: string,
): PolicyRule[] {
  const rules: PolicyRule[] = [];
  for (const binding of store.list(`${RBAC}/clusterrolebindings`)) {
    if ((binding.subjects ?? []).some((s: any) => subjectMatches(s, user))) {
      rules.push(...roleRules(store, binding.roleRef));
    }
  }
  if (namespace) {
    for (const binding of store.list(`${RBAC}/rolebindings`, namespace)) {
      if (
        (binding.subjects ?? []).some((s: any) =>
          subjectMatches(s, user, namespace),
        )
      ) {
        rules.push(...roleRules(store, binding.roleRef, namespace));
      }
    }
  }
  return rules;
}

function has(list: string[] | undefined, value: string): boolean {
  return (list ?? []).some(item => item === '*' || item === value);
}

export function ruleAllows(rule: PolicyRule, attrs: Attributes): boolean {
  if (!has(rule.verbs, attrs.verb)) return false;
  if (attrs.kind === 'nonResource') {
    return (rule.nonResourceURLs ?? []).some(url =>
      url.endsWith('*')
        ? attrs.path.startsWith(url.slice(0, -1))
        : url === attrs.path,
    );
  }
  if (!has(rule.apiGroups, attrs.group)) return false;
  const resource = attrs.subresource
    ? `${attrs.resource}/${attrs.subresource}`
    : attrs.resource;
  const resourceOk = (rule.resources ?? []).some(
    r =>
      r === '*' ||
      r === resource ||
      (attrs.subresource !== undefined && r === `*/${attrs.subresource}`),
  );
  if (!resourceOk) return false;
  if (rule.resourceNames && rule.resourceNames.length > 0) {
    return attrs.name !== undefined && rule.resourceNames.includes(attrs.name);
  }
  return true;
}

/** Public endpoints every authenticated user may read (system:discovery and friends). */
const publicPaths = [
  '/api',
  '/apis',
  '/version',
  '/openapi',
  '/healthz',
  '/livez',
  '/readyz',
];

/** Reviews every authenticated user may create about themselves (system:basic-user). */
const selfReviews = new Set([
  'authorization.k8s.io/selfsubjectaccessreviews',
  'authorization.k8s.io/selfsubjectrulesreviews',
  'authentication.k8s.io/selfsubjectreviews',
]);

/** Decides whether RBAC allows a request. */
export function authorize(
  store: Store,
  user: UserInfo,
  attrs: Attributes,
): boolean {
  if (user.groups.includes(ADMIN_GROUP)) return true;
  if (attrs.kind === 'nonResource') {
    if (
      attrs.verb === 'get' &&
      publicPaths.some(p => attrs.path === p || attrs.path.startsWith(`${p}/`))
    ) {
      return true;
    }
  } else if (
    selfReviews.has(`${attrs.group}/${attrs.resource}`) &&
    attrs.verb === 'create'
  ) {
    return true;
  }
  const namespace = attrs.kind === 'resource' ? attrs.namespace : undefined;
  return rulesFor(store, user, namespace).some(rule => ruleAllows(rule, attrs));
}

/** Kubernetes' 403 wording. */
export function forbiddenMessage(user: UserInfo, attrs: Attributes): string {
  if (attrs.kind === 'nonResource') {
    return `forbidden: User "${user.name}" cannot ${attrs.verb} path "${attrs.path}"`;
  }
  const resource = attrs.subresource
    ? `${attrs.resource}/${attrs.subresource}`
    : attrs.resource;
  const subject = attrs.name ? `${resource} "${attrs.name}"` : resource;
  const where = attrs.namespace
    ? `in the namespace "${attrs.namespace}"`
    : 'at the cluster scope';
  return `${subject} is forbidden: User "${user.name}" cannot ${attrs.verb} resource "${resource}" in API group "${attrs.group}" ${where}`;
}

/** The default ClusterRoles a fresh cluster has (simplified from Kubernetes' bootstrap policy). */
export function bootstrapClusterRoles(): KubeObject[] {
  const readVerbs = ['get', 'list', 'watch'];
  const writeVerbs = [
    'create',
    'delete',
    'deletecollection',
    'patch',
    'update',
  ];
  const workloads: PolicyRule[] = [
    {
      apiGroups: [''],
      resources: [
        'configmaps',
        'services',
        'serviceaccounts',
        'pods',
        'pods/status',
        'pods/log',
        'persistentvolumeclaims',
        'events',
        'services/status',
        'persistentvolumeclaims/status',
      ],
      verbs: readVerbs,
    },
    {
      apiGroups: ['apps'],
      resources: [
        'deployments',
        'replicasets',
        'statefulsets',
        'daemonsets',
        'deployments/status',
        'deployments/scale',
        'replicasets/status',
        'replicasets/scale',
        'statefulsets/status',
        'statefulsets/scale',
        'daemonsets/status',
      ],
      verbs: readVerbs,
    },
    {
      apiGroups: ['batch'],
      resources: ['jobs', 'cronjobs', 'jobs/status', 'cronjobs/status'],
      verbs: readVerbs,
    },
    {
      apiGroups: ['networking.k8s.io'],
      resources: ['ingresses', 'ingresses/status'],
      verbs: readVerbs,
    },
    {
      apiGroups: ['autoscaling'],
      resources: [
        'horizontalpodautoscalers',
        'horizontalpodautoscalers/status',
      ],
      verbs: readVerbs,
    },
    {
      apiGroups: [''],
      resources: ['namespaces', 'namespaces/status'],
      verbs: readVerbs,
    },
  ];
  const editable: PolicyRule[] = [
    {
      apiGroups: [''],
      resources: [
        'configmaps',
        'secrets',
        'services',
        'serviceaccounts',
        'pods',
        'persistentvolumeclaims',
        'events',
      ],
      verbs: [...readVerbs, ...writeVerbs],
    },
    {
      apiGroups: [''],
      resources: ['serviceaccounts/token'],
      verbs: ['create'],
    },
    {
      apiGroups: ['apps'],
      resources: [
        'deployments',
        'replicasets',
        'statefulsets',
        'daemonsets',
        'deployments/scale',
        'replicasets/scale',
        'statefulsets/scale',
      ],
      verbs: [...readVerbs, ...writeVerbs],
    },
    {
      apiGroups: ['batch'],
      resources: ['jobs', 'cronjobs'],
      verbs: [...readVerbs, ...writeVerbs],
    },
    {
      apiGroups: ['networking.k8s.io'],
      resources: ['ingresses'],
      verbs: [...readVerbs, ...writeVerbs],
    },
    {
      apiGroups: ['autoscaling'],
      resources: ['horizontalpodautoscalers'],
      verbs: [...readVerbs, ...writeVerbs],
    },
  ];
  const role = (name: string, rules: PolicyRule[]): KubeObject => ({
    apiVersion: `${RBAC}/v1`,
    kind: 'ClusterRole',
    metadata: {
      name,
      labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' },
    },
    rules,
  });
  return [
    role('cluster-admin', [
      { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
      { nonResourceURLs: ['*'], verbs: ['*'] },
    ]),
    role('admin', [
      ...workloads,
      ...editable,
      {
        apiGroups: [RBAC],
        resources: ['roles', 'rolebindings'],
        verbs: [...readVerbs, ...writeVerbs],
      },
    ]),
    role('edit', [...workloads, ...editable]),
    role('view', workloads),
  ];
}
