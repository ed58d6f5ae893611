import { applySteps, sortForApply, sortForDelete, syncWave } from './syncOrder';
import { inventoryOf, mergeInventory, staleEntries } from './inventory';

const object = (
  apiVersion: string,
  kind: string,
  name: string,
  wave?: string,
) => ({
  apiVersion,
  kind,
  metadata: {
    name,
    namespace:
      kind === 'Namespace' || kind === 'CustomResourceDefinition'
        ? undefined
        : 'shop',
    annotations: wave ? { 'mooring.dev/sync-wave': wave } : undefined,
  },
});

const label = (o: any) => `${o.kind}/${o.metadata.name}`;

describe('sortForApply', () => {
  const objects = [
    object('apps/v1', 'Deployment', 'web'),
    object('batch/v1', 'Job', 'migrate', '-1'),
    object('v1', 'Service', 'web'),
    object('example.com/v1', 'Widget', 'w'),
    object('v1', 'ConfigMap', 'settings'),
    object(
      'apiextensions.k8s.io/v1',
      'CustomResourceDefinition',
      'widgets.example.com',
      '5',
    ),
    object('v1', 'Namespace', 'shop', '3'),
    object('v1', 'ConfigMap', 'after', '1'),
  ];

  it('puts CRDs and Namespaces first, then waves, then kinds', () => {
    expect(sortForApply(objects).map(label)).toEqual([
      'Namespace/shop',
      'CustomResourceDefinition/widgets.example.com',
      'Job/migrate',
      'ConfigMap/settings',
      'Service/web',
      'Deployment/web',
      'Widget/w',
      'ConfigMap/after',
    ]);
    expect(sortForDelete(objects).map(label)[0]).toBe('ConfigMap/after');
  });

  it('groups objects into steps', () => {
    expect(applySteps(objects).map(step => step.map(label))).toEqual([
      ['Namespace/shop'],
      ['CustomResourceDefinition/widgets.example.com'],
      ['Job/migrate'],
      ['ConfigMap/settings'],
      ['Service/web'],
      ['Deployment/web'],
      ['Widget/w'],
      ['ConfigMap/after'],
    ]);
  });

  it('refuses a wave that is not an integer', () => {
    expect(() => syncWave(object('v1', 'ConfigMap', 'c', 'soon'))).toThrow(
      /ConfigMap c has mooring.dev\/sync-wave: "soon", which is not an integer/,
    );
  });
});

describe('inventory', () => {
  it('finds stale entries and keeps survivors tracked', () => {
    const previous = inventoryOf([
      object('v1', 'ConfigMap', 'a'),
      object('v1', 'ConfigMap', 'b'),
    ]);
    const next = inventoryOf([
      object('v1', 'ConfigMap', 'b'),
      object('v1', 'Service', 'c'),
    ]);
    const stale = staleEntries(previous, next);
    expect(stale.map(e => e.name)).toEqual(['a']);
    expect(mergeInventory(next, stale).map(e => e.name)).toEqual([
      'a',
      'b',
      'c',
    ]);
    expect(mergeInventory(next, []).map(e => e.name)).toEqual(['b', 'c']);
  });
});
