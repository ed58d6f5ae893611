import type { ApplicationResource } from '@mooring/plugin-gitops-common';

/** A resource with the live objects it owns (Deployment → ReplicaSet → Pod). */
export interface ResourceNode {
  key: string;
  resource: ApplicationResource;
  children: ResourceNode[];
}

export function resourceKey(r: {
  kind: string;
  namespace: string;
  name: string;
}): string {
  return `${r.kind}/${r.namespace}/${r.name}`;
}

/**
 * Builds the ownership tree from each resource's `parent`. A resource whose parent is
 * not in the list is a root, so nothing is ever hidden.
 */
export function buildResourceTree(
  resources: ApplicationResource[],
): ResourceNode[] {
  const nodes = new Map<string, ResourceNode>();
  for (const resource of resources) {
    const key = resourceKey(resource);
    if (!nodes.has(key)) nodes.set(key, { key, resource, children: [] });
  }
  const roots: ResourceNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.resource.parent
      ? nodes.get(resourceKey(node.resource.parent))
      : undefined;
    if (parent && parent !== node && !isAncestor(node, parent)) {
      parent.children.push(node);
    } else {
      roots.push(node);
    }
  }
  return roots;
}

function isAncestor(candidate: ResourceNode, of: ResourceNode): boolean {
  return candidate.children.some(c => c === of || isAncestor(c, of));
}

/** True when the resource's kind, namespace, name or health message contains the text. */
export function resourceMatches(r: ApplicationResource, text: string): boolean {
  const needle = text.trim().toLowerCase();
  if (!needle) return true;
  return [
    r.kind,
    r.namespace,
    r.name,
    `${r.namespace}/${r.name}`,
    r.healthMessage,
    r.sync,
    r.health,
  ]
    .filter(Boolean)
    .some(field => field.toLowerCase().includes(needle));
}

/** The Pods among a resource's descendants (a Deployment's, through its ReplicaSets). */
export function descendantPods(
  resources: ApplicationResource[],
  of: { kind: string; namespace: string; name: string },
): ApplicationResource[] {
  const node = findNode(buildResourceTree(resources), resourceKey(of));
  if (!node) return [];
  const pods: ApplicationResource[] = [];
  const visit = (n: ResourceNode) =>
    n.children.forEach(child => {
      if (child.resource.kind === 'Pod') pods.push(child.resource);
      visit(child);
    });
  visit(node);
  return pods;
}

function findNode(
  nodes: ResourceNode[],
  key: string,
): ResourceNode | undefined {
  for (const node of nodes) {
    if (node.key === key) return node;
    const found = findNode(node.children, key);
    if (found) return found;
  }
  return undefined;
}
