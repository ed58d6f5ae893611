/* eslint jest/expect-expect: ["warn", { "assertFunctionNames": ["expect", "expect*"] }] -- the module's assert helper */
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../kube/kubeObject';
import {
  Inventory,
  entryKey,
  inventoryOf,
  mergeInventory,
  staleEntries,
} from './inventory';

/** The objects of a multi-document manifest in testdata. */
function manifests(name: string): KubeObject[] {
  const text = fs.readFileSync(
    path.join(__dirname, 'testdata', `${name}.yaml`),
    'utf8',
  );
  return parseAllDocuments(text).map(document => document.toJS());
}

/** Asserts which objects an inventory holds, in order, by their keys. */
function expectEntries(inventory: Inventory, keys: string[]) {
  expect(inventory.map(entryKey)).toEqual(keys);
}

describe('inventory', () => {
  const first = inventoryOf(manifests('shop-first'));
  const next = inventoryOf(manifests('shop-next'));

  it('lists what a commit renders, sorted by key, with the API version it was applied at', () => {
    expectEntries(first, [
      '/ConfigMap/shop/settings',
      '/Namespace//shop',
      'apps/Deployment/shop/web',
      'autoscaling/HorizontalPodAutoscaler/shop/web',
      'networking.k8s.io/Ingress/shop/web',
    ]);
    expect(first[3]).toEqual({
      group: 'autoscaling',
      version: 'v2beta2',
      kind: 'HorizontalPodAutoscaler',
      namespace: 'shop',
      name: 'web',
    });
  });

  it('finds the objects that left Git, and only those, as stale', () => {
    expectEntries(staleEntries(first, next), [
      'networking.k8s.io/Ingress/shop/web',
    ]);
  });

  it('does not take an object whose API version changed for a stale one', () => {
    expect(
      staleEntries(first, next).some(
        entry => entry.kind === 'HorizontalPodAutoscaler',
      ),
    ).toBe(false);
  });

  it('has nothing stale when Git did not change', () => {
    expectEntries(
      staleEntries(first, inventoryOf(manifests('shop-first'))),
      [],
    );
  });

  it('keeps tracking stale objects that were not pruned, so a later sync prunes them', () => {
    const survivors = staleEntries(first, next);
    expectEntries(mergeInventory(next, survivors), [
      '/ConfigMap/shop/settings',
      '/Namespace//shop',
      'apps/Deployment/shop/web',
      'autoscaling/HorizontalPodAutoscaler/shop/web',
      'batch/CronJob/shop/cleanup',
      'networking.k8s.io/Ingress/shop/web',
    ]);
  });

  it('records only what is in Git once the stale objects are pruned', () => {
    expect(mergeInventory(next, [])).toEqual(next);
  });

  it('records the API version Git now uses for an object in both', () => {
    const merged = mergeInventory(next, first);
    expect(
      merged.find(entry => entry.kind === 'HorizontalPodAutoscaler')?.version,
    ).toBe('v2');
  });
});
