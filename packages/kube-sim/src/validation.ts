import { FieldCause } from './errors';
import { labelSelectorRequirements, matchesLabels } from './selectors';
import { isPlainObject, KubeObject } from './types';

const subdomain =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const qualifiedName =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const configKey = /^[-._a-zA-Z0-9]+$/;

/** Kinds whose names must be DNS-1123 labels (no dots). */
const labelNamedKinds = new Set(['Namespace', 'Service']);

/** Validates an object before it is stored; returns field causes for a 422. */
export function validateObject(obj: KubeObject): FieldCause[] {
  const causes: FieldCause[] = [];
  const name = obj.metadata.name ?? '';
  const kind = obj.kind ?? '';
  if (!name) {
    causes.push({
      field: 'metadata.name',
      message: 'Required value: name or generateName is required',
      reason: 'FieldValueRequired',
    });
  } else if (labelNamedKinds.has(kind)) {
    if (!label.test(name) || name.length > 63) {
      causes.push({
        field: 'metadata.name',
        message: `Invalid value: "${name}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character`,
      });
    }
  } else if (
    !kind.startsWith('Cluster') &&
    !/Role/.test(kind) &&
    (!subdomain.test(name) || name.length > 253)
  ) {
    causes.push({
      field: 'metadata.name',
      message: `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
    });
  }
  for (const [key, value] of Object.entries(obj.metadata.labels ?? {})) {
    if (!qualifiedName.test(key)) {
      causes.push({
        field: 'metadata.labels',
        message: `Invalid value: "${key}": name part must consist of alphanumeric characters, '-', '_' or '.'`,
      });
    }
    if (
      typeof value !== 'string' ||
      !labelValue.test(value) ||
      value.length > 63
    ) {
      causes.push({
        field: 'metadata.labels',
        message: `Invalid value: "${value}": a valid label value must be 63 characters or less, empty or begin and end with an alphanumeric character`,
      });
    }
  }
  for (const [key, value] of Object.entries(obj.metadata.annotations ?? {})) {
    if (typeof value !== 'string') {
      causes.push({
        field: `metadata.annotations.${key}`,
        message: 'Invalid value: annotation values must be strings',
      });
    }
  }
  switch (kind) {
    case 'ConfigMap':
    case 'Secret':
      for (const field of ['data', 'binaryData']) {
        for (const [key, value] of Object.entries<unknown>(obj[field] ?? {})) {
          if (!configKey.test(key)) {
            causes.push({
              field: `${field}[${key}]`,
              message: `Invalid value: "${key}": a valid config key must consist of alphanumeric characters, '-', '_' or '.'`,
            });
          }
          if (typeof value !== 'string') {
            causes.push({
              field: `${field}[${key}]`,
              message: 'Invalid value: must be a string',
            });
          } else if (
            (kind === 'Secret' || field === 'binaryData') &&
            !/^[A-Za-z0-9+/]*={0,2}$/.test(value)
          ) {
            causes.push({
              field: `${field}[${key}]`,
              message: 'Invalid value: must be base64-encoded',
            });
          }
        }
      }
      break;
    case 'Deployment':
    case 'ReplicaSet':
    case 'StatefulSet':
    case 'DaemonSet':
      validateWorkload(obj, causes);
      break;
    case 'Pod':
      validateContainers(obj.spec, 'spec', causes);
      break;
    case 'Service':
      (obj.spec?.ports ?? []).forEach((port: any, i: number) => {
        if (!isPlainObject(port) || typeof port.port !== 'number') {
          causes.push({
            field: `spec.ports[${i}].port`,
            message: 'Required value',
            reason: 'FieldValueRequired',
          });
        }
      });
      break;
    case 'RoleBinding':
    case 'ClusterRoleBinding':
      if (
        !isPlainObject(obj.roleRef) ||
        !obj.roleRef.name ||
        !obj.roleRef.kind
      ) {
        causes.push({
          field: 'roleRef',
          message: 'Required value: roleRef.kind and roleRef.name are required',
          reason: 'FieldValueRequired',
        });
      }
      break;
    default:
      break;
  }
  return causes;
}

function validateWorkload(obj: KubeObject, causes: FieldCause[]): void {
  const spec = obj.spec;
  if (!isPlainObject(spec)) {
    causes.push({
      field: 'spec',
      message: 'Required value',
      reason: 'FieldValueRequired',
    });
    return;
  }
  if (!isPlainObject(spec.selector)) {
    causes.push({
      field: 'spec.selector',
      message: 'Required value',
      reason: 'FieldValueRequired',
    });
  } else {
    const labels = spec.template?.metadata?.labels;
    let matches = false;
    try {
      matches = matchesLabels(labelSelectorRequirements(spec.selector), labels);
    } catch (e) {
      causes.push({
        field: 'spec.selector',
        message: `Invalid value: ${(e as Error).message}`,
      });
    }
    if (!matches) {
      causes.push({
        field: 'spec.template.metadata.labels',
        message: `Invalid value: ${JSON.stringify(
          labels ?? {},
        )}: \`selector\` does not match template \`labels\``,
      });
    }
  }
  validateContainers(spec.template?.spec, 'spec.template.spec', causes);
}

function validateContainers(
  podSpec: unknown,
  path: string,
  causes: FieldCause[],
): void {
  if (
    !isPlainObject(podSpec) ||
    !Array.isArray(podSpec.containers) ||
    podSpec.containers.length === 0
  ) {
    causes.push({
      field: `${path}.containers`,
      message: 'Required value',
      reason: 'FieldValueRequired',
    });
    return;
  }
  podSpec.containers.forEach((c: any, i: number) => {
    if (!isPlainObject(c) || !c.name) {
      causes.push({
        field: `${path}.containers[${i}].name`,
        message: 'Required value',
        reason: 'FieldValueRequired',
      });
    }
    if (!isPlainObject(c) || !c.image) {
      causes.push({
        field: `${path}.containers[${i}].image`,
        message: 'Required value',
        reason: 'FieldValueRequired',
      });
    }
  });
}
