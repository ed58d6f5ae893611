import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  decodeManagedFields,
  encodeManagedFields,
  describePath,
  recordUpdate,
} from './managedFields';
import { ApplyConflictError, serverSideApply } from './ssa';
import { KubeObject } from './types';

const fixture = (name: string): KubeObject =>
  parse(readFileSync(join(__dirname, '__fixtures__', name), 'utf8'));

const ctx = { kind: 'Deployment' };
const time = '2026-01-01T00:00:00Z';

/** Applies and stores the result with its managedFields, as the server does. */
function apply(
  live: KubeObject | undefined,
  config: KubeObject,
  manager: string,
  force = false,
): KubeObject {
  const { object, managers } = serverSideApply({
    live,
    config,
    ctx,
    scope: 'main',
    manager,
    force,
    apiVersion: 'apps/v1',
    time,
  });
  object.metadata.managedFields = encodeManagedFields(managers);
  return object;
}

const cm = (
  data: Record<string, string>,
  labels?: Record<string, string>,
): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'c', ...(labels ? { labels } : {}) },
  data,
});

describe('serverSideApply', () => {
  it('creates an object owned by its manager', () => {
    const result = apply(undefined, cm({ a: '1' }), 'alice');
    expect(result.data).toEqual({ a: '1' });
    expect(result.metadata.managedFields).toEqual([
      {
        manager: 'alice',
        operation: 'Apply',
        apiVersion: 'apps/v1',
        time,
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:data': { 'f:a': {} } },
      },
    ]);
  });

  it('refuses to change a field another manager owns, naming the field and the manager', () => {
    const live = apply(undefined, cm({ a: '1', b: '2' }), 'alice');
    expect(() => apply(live, cm({ a: 'changed' }), 'bob')).toThrow(
      ApplyConflictError,
    );
    expect(() => apply(live, cm({ a: 'changed' }), 'bob')).toThrow(
      'Apply failed with 1 conflict: conflict with "alice" using apps/v1: .data.a',
    );
  });

  it('takes the field with force, and the first manager no longer owns it', () => {
    const live = apply(undefined, cm({ a: '1', b: '2' }), 'alice');
    const result = apply(live, cm({ a: 'changed' }), 'bob', true);
    expect(result.data).toEqual({ a: 'changed', b: '2' });
    const owners = Object.fromEntries(
      result.metadata.managedFields!.map(e => [e.manager, e.fieldsV1]),
    );
    expect(owners).toEqual({
      alice: { 'f:data': { 'f:b': {} } },
      bob: { 'f:data': { 'f:a': {} } },
    });
  });

  it('shares a field applied with the same value, and keeps it when one owner lets go', () => {
    const live = apply(undefined, cm({ a: '1' }), 'alice');
    const shared = apply(live, cm({ a: '1' }), 'bob');
    const released = apply(
      shared,
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } },
      'alice',
    );
    expect(released.data).toEqual({ a: '1' });
    expect(released.metadata.managedFields!.map(e => e.manager)).toEqual([
      'bob',
    ]);
  });

  it('removes a field when its only owner stops applying it', () => {
    const live = apply(
      undefined,
      cm({ a: '1', b: '2' }, { app: 'x' }),
      'alice',
    );
    const result = apply(live, cm({ a: '1' }), 'alice');
    expect(result.data).toEqual({ a: '1' });
    expect(result.metadata.labels).toBeUndefined();
  });

  it('merges containers and env by name and removes the env entry no longer applied', () => {
    const first = apply(undefined, fixture('deployment-live.yaml'), 'alice');
    const result = apply(
      first,
      fixture('deployment-apply.yaml'),
      'alice',
      true,
    );
    const containers = result.spec.template.spec.containers;
    expect(containers.map((c: any) => c.name)).toEqual(['web']);
    expect(containers[0].image).toBe('nginx:1.28');
    expect(containers[0].env).toEqual([{ name: 'LOG_LEVEL', value: 'debug' }]);
    expect(containers[0].ports).toBeUndefined();
    expect(result.metadata.labels).toEqual({ app: 'web' });
    expect(result.spec.replicas).toBe(3);
  });

  it('keeps list items another manager added, merging by key', () => {
    const first = apply(undefined, fixture('deployment-apply.yaml'), 'alice');
    const sidecar = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        template: {
          spec: { containers: [{ name: 'sidecar', image: 'envoy' }] },
        },
      },
    };
    const both = apply(first, sidecar, 'mesh');
    expect(both.spec.template.spec.containers.map((c: any) => c.name)).toEqual([
      'web',
      'sidecar',
    ]);
    const again = apply(both, fixture('deployment-apply.yaml'), 'alice');
    expect(again.spec.template.spec.containers.map((c: any) => c.name)).toEqual(
      ['web', 'sidecar'],
    );
  });

  it('replaces atomic lists whole and reports conflicts inside keyed items by their key', () => {
    const live = apply(undefined, fixture('deployment-live.yaml'), 'alice');
    const sidecarArgs = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        template: {
          spec: { containers: [{ name: 'sidecar', args: ['--x'] }] },
        },
      },
    };
    expect(() => apply(live, sidecarArgs, 'bob')).toThrow(
      'Apply failed with 1 conflict: conflict with "alice" using apps/v1: .spec.template.spec.containers[name="sidecar"].args',
    );
    const forced = apply(live, sidecarArgs, 'bob', true);
    expect(forced.spec.template.spec.containers[1].args).toEqual(['--x']);
  });

  it('leaves a field to the controller that scaled it once its applier stops applying it', () => {
    // Applied with replicas 2, then scaled to 5 by an HPA (an update through
    // the scale subresource), then applied again without replicas.
    const applied = apply(
      undefined,
      fixture('deployment-apply.yaml'),
      'gitops',
    );
    const scaled = structuredClone(applied);
    scaled.spec.replicas = 5;
    scaled.metadata.managedFields = encodeManagedFields(
      recordUpdate({
        entries: decodeManagedFields(applied.metadata.managedFields),
        before: applied,
        after: scaled,
        ctx,
        scope: 'main',
        manager: 'kube-controller-manager',
        apiVersion: 'apps/v1',
        subresource: 'scale',
        time,
      }),
    );
    const owners = (object: KubeObject) =>
      decodeManagedFields(object.metadata.managedFields)
        .filter(e => e.fields.has('f:spec\nf:replicas'))
        .map(e => `${e.manager}/${e.subresource ?? ''}`);
    expect(owners(applied)).toEqual(['gitops/']);
    expect(owners(scaled)).toEqual(['kube-controller-manager/scale']);

    const withoutReplicas = fixture('deployment-apply.yaml');
    delete withoutReplicas.spec.replicas;
    const again = apply(scaled, withoutReplicas, 'gitops');
    expect(again.spec.replicas).toBe(5);
    expect(owners(again)).toEqual(['kube-controller-manager/scale']);
    // Had nobody else taken it, the field would have gone with its applier.
    expect(apply(applied, withoutReplicas, 'gitops').spec.replicas).toBe(
      undefined,
    );
  });

  it('ignores status on the main resource', () => {
    const result = apply(
      undefined,
      { ...cm({ a: '1' }), status: { phase: 'x' } },
      'alice',
    );
    expect(result.status).toBeUndefined();
    expect([
      ...Object.keys(result.metadata.managedFields![0].fieldsV1),
    ]).toEqual(['f:data']);
    expect(describePath('f:data\nf:a')).toBe('.data.a');
  });
});
