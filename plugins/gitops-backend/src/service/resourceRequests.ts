import { InputError } from '@backstage/errors';
import type { ResourceRef } from '@mooring/plugin-gitops-common';
import type { PodLogRequest } from '../engine/resourceDetails';
import { MAX_REPLICAS } from '../engine/resourceDetails';

/*
 * The selectors of the resource details and actions routes, checked field by
 * field before anything is asked of the engine or a cluster.
 */

/** A DNS subdomain (names, groups) or label (namespaces), as Kubernetes checks them. */
const SUBDOMAIN =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const KIND = /^[A-Z][A-Za-z0-9]{0,62}$/;
const VERSION = /^v[0-9]+((alpha|beta)[0-9]+)?$/;

const MAX_TAIL_LINES = 100_000;

function field(
  source: Record<string, unknown>,
  name: string,
  where: string,
  options: { optional?: boolean } = {},
): string | undefined {
  const value = source[name];
  if (value === undefined || value === '') {
    if (options.optional) return undefined;
    throw new InputError(`${where}${name} is required`);
  }
  if (typeof value !== 'string') {
    throw new InputError(`${where}${name} must be a single string`);
  }
  return value;
}

function checked(
  value: string | undefined,
  pattern: RegExp,
  what: string,
  max = 253,
): string {
  if (value === undefined) return '';
  if (value.length > max || !pattern.test(value)) {
    throw new InputError(`${what} '${value.slice(0, 80)}' is not valid`);
  }
  return value;
}

/**
 * The object named by `group`, `version`, `kind`, `namespace` and `name`
 * (group and namespace empty for the core group and cluster-scoped objects).
 */
export function resourceRefFrom(
  source: Record<string, unknown> | undefined,
  where = '',
): ResourceRef {
  if (!source || typeof source !== 'object' || Array.isArray(source)) {
    throw new InputError(
      `${
        where || 'resource'
      } must name an object: group, version, kind, namespace and name`,
    );
  }
  const prefix = where ? `${where}.` : '';
  return {
    group: checked(
      field(source, 'group', prefix, { optional: true }),
      SUBDOMAIN,
      `${prefix}group`,
    ),
    version: checked(
      field(source, 'version', prefix),
      VERSION,
      `${prefix}version`,
    ),
    kind: checked(field(source, 'kind', prefix), KIND, `${prefix}kind`),
    namespace: checked(
      field(source, 'namespace', prefix, { optional: true }),
      LABEL,
      `${prefix}namespace`,
      63,
    ),
    name: checked(field(source, 'name', prefix), SUBDOMAIN, `${prefix}name`),
  };
}

function wholeNumber(
  source: Record<string, unknown>,
  name: string,
  min: number,
  max: number,
): number | undefined {
  const value = source[name];
  if (value === undefined || value === '') return undefined;
  const n = typeof value === 'number' ? value : Number(value);
  if (
    (typeof value !== 'number' && typeof value !== 'string') ||
    !Number.isInteger(n) ||
    n < min ||
    n > max
  ) {
    throw new InputError(
      `${name} must be a whole number from ${min} to ${max}`,
    );
  }
  return n;
}

/** Which pod's log to read: `namespace` and `pod`, maybe `container`, `tailLines`, `sinceSeconds`. */
export function podLogRequestFrom(
  query: Record<string, unknown>,
): PodLogRequest {
  const container = field(query, 'container', '', { optional: true });
  const tailLines = wholeNumber(query, 'tailLines', 1, MAX_TAIL_LINES);
  const sinceSeconds = wholeNumber(query, 'sinceSeconds', 1, 30 * 24 * 3600);
  return {
    namespace: checked(field(query, 'namespace', ''), LABEL, 'namespace', 63),
    pod: checked(field(query, 'pod', ''), SUBDOMAIN, 'pod'),
    ...(container
      ? { container: checked(container, LABEL, 'container', 63) }
      : {}),
    ...(tailLines !== undefined ? { tailLines } : {}),
    ...(sinceSeconds !== undefined ? { sinceSeconds } : {}),
  };
}

/** The body of `POST /applications/:id/actions`. */
export function actionRequestFrom(body: unknown): {
  action: 'restart' | 'scale';
  resource: ResourceRef;
  replicas?: number;
} {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new InputError(
      "The body must be { action: 'restart' | 'scale', resource, replicas? }",
    );
  }
  const source = body as Record<string, unknown>;
  const action = source.action;
  if (action !== 'restart' && action !== 'scale') {
    throw new InputError(
      `action must be 'restart' or 'scale', not ${JSON.stringify(action)}`,
    );
  }
  const resource = resourceRefFrom(
    source.resource as Record<string, unknown>,
    'resource',
  );
  if (action === 'restart') {
    if (source.replicas !== undefined) {
      throw new InputError('replicas is only for scale');
    }
    return { action, resource };
  }
  if (typeof source.replicas !== 'number') {
    throw new InputError(
      `scale needs replicas, a whole number from 0 to ${MAX_REPLICAS}`,
    );
  }
  const replicas = wholeNumber(source, 'replicas', 0, MAX_REPLICAS)!;
  return { action, resource, replicas };
}
