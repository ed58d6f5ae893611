/* eslint jest/expect-expect: ["warn", { "assertFunctionNames": ["expect", "expect*"] }] -- the module's assert helper */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import {
  KubeObject,
  describeObject,
  isClusterScoped,
  isTrackedBy,
  keyOfObject,
  resourceRef,
  splitApiVersion,
  trackedApplicationId,
  trackingIdFor,
} from './kubeObject';

function fixture(name: string): KubeObject {
  return parse(
    fs.readFileSync(path.join(__dirname, 'testdata', `${name}.yaml`), 'utf8'),
  );
}

/** Asserts what the helpers say about one fixture: its key, its owner, and whether it is that owner's. */
function expectObject(
  name: string,
  expected: { key: string; trackedBy?: string; ownedByShopProd: boolean },
) {
  const object = fixture(name);
  expect(keyOfObject(object)).toBe(expected.key);
  expect(trackedApplicationId(object)).toBe(expected.trackedBy);
  expect(isTrackedBy('shop-prod', object)).toBe(expected.ownedByShopProd);
}

describe('kubeObject', () => {
  it('names a grouped kind by group, kind, namespace and name', () => {
    expectObject('deployment-tracked', {
      key: 'apps/Deployment/shop/web',
      trackedBy: 'shop-prod',
      ownedByShopProd: true,
    });
  });

  it('names a cluster-scoped core kind with empty group and namespace', () => {
    expectObject('namespace-tracked', {
      key: '/Namespace//shop',
      trackedBy: 'shop-prod',
      ownedByShopProd: true,
    });
  });

  it('does not take a copied object for the original application’s own', () => {
    expectObject('deployment-copied', {
      key: 'apps/Deployment/shop/web-canary',
      trackedBy: 'shop-prod',
      ownedByShopProd: false,
    });
  });

  it('finds no owner on an object created by hand', () => {
    expectObject('configmap-untracked', {
      key: '/ConfigMap/shop/settings',
      trackedBy: undefined,
      ownedByShopProd: false,
    });
  });

  it('reads a tracking id holding only an application id, but does not count it as tracking', () => {
    expectObject('configmap-bare-tracking', {
      key: '/ConfigMap/shop/settings',
      trackedBy: 'shop-prod',
      ownedByShopProd: false,
    });
  });

  it('writes the tracking id that isTrackedBy recognises', () => {
    const object = fixture('certificate-custom');
    object.metadata.annotations = {
      'mooring.dev/tracking-id': trackingIdFor('shop-prod', object),
    };
    expect(object.metadata.annotations['mooring.dev/tracking-id']).toBe(
      'shop-prod:cert-manager.io/Certificate:shop/web-tls',
    );
    expect(isTrackedBy('shop-prod', object)).toBe(true);
    expect(isTrackedBy('shop-staging', object)).toBe(false);
  });

  it('keeps the version in the reference but not in the key', () => {
    const object = fixture('certificate-custom');
    expect(resourceRef(object)).toEqual({
      group: 'cert-manager.io',
      version: 'v1',
      kind: 'Certificate',
      namespace: 'shop',
      name: 'web-tls',
    });
    expect(keyOfObject({ ...object, apiVersion: 'cert-manager.io/v2' })).toBe(
      keyOfObject(object),
    );
  });

  it('splits core and grouped API versions', () => {
    expect(splitApiVersion('v1')).toEqual({ group: '', version: 'v1' });
    expect(splitApiVersion('networking.k8s.io/v1')).toEqual({
      group: 'networking.k8s.io',
      version: 'v1',
    });
  });

  it('knows built-in cluster-scoped kinds and those of cluster-scoped CRDs', () => {
    expect(isClusterScoped('', 'Namespace')).toBe(true);
    expect(isClusterScoped('', 'ConfigMap')).toBe(false);
    expect(isClusterScoped('rbac.authorization.k8s.io', 'ClusterRole')).toBe(
      true,
    );
    expect(isClusterScoped('cert-manager.io', 'ClusterIssuer')).toBe(false);
    expect(
      isClusterScoped(
        'cert-manager.io',
        'ClusterIssuer',
        new Set(['cert-manager.io/ClusterIssuer']),
      ),
    ).toBe(true);
  });

  it('describes objects for people, with the namespace when there is one', () => {
    expect(describeObject(resourceRef(fixture('deployment-tracked')))).toBe(
      'Deployment web in namespace shop',
    );
    expect(describeObject(resourceRef(fixture('namespace-tracked')))).toBe(
      'Namespace shop',
    );
  });
});
