import fs from 'node:fs';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../kube/kubeObject';
import type { ObjectScope } from '../checkTenancy';

/** The objects of `testdata/<name>.yaml`. */
export function manifests(name: string): KubeObject[] {
  const file = resolvePackagePath(
    '@mooring/plugin-gitops-backend',
    'src/tenancy/testdata',
    `${name}.yaml`,
  );
  const text = fs.readFileSync(file, 'utf8');
  return parseAllDocuments(text).map(doc => doc.toJSON() as KubeObject);
}

const STOCK_CLUSTER: Record<string, ObjectScope> = {
  'v1/ConfigMap': 'Namespaced',
  'v1/Secret': 'Namespaced',
  'v1/Service': 'Namespaced',
  'v1/ServiceAccount': 'Namespaced',
  'v1/Namespace': 'Cluster',
  'apps/v1/Deployment': 'Namespaced',
  'rbac.authorization.k8s.io/v1/Role': 'Namespaced',
  'rbac.authorization.k8s.io/v1/RoleBinding': 'Namespaced',
  'rbac.authorization.k8s.io/v1/ClusterRole': 'Cluster',
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': 'Cluster',
  'apiextensions.k8s.io/v1/CustomResourceDefinition': 'Cluster',
};

/** Discovery of a cluster serving the built-in kinds and, optionally, some more. */
export function discovery(
  extra: Record<string, ObjectScope> = {},
): (apiVersion: string, kind: string) => ObjectScope | undefined {
  const scopes = { ...STOCK_CLUSTER, ...extra };
  return (apiVersion, kind) => scopes[`${apiVersion}/${kind}`];
}
