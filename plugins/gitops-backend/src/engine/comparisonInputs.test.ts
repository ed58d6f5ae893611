import type { Inventory } from '../apply/inventory';
import { spec } from '../__testUtils__/engineHarness';
import type { LiveCache } from '../kube/ClusterCache';
import type { KubeObject } from '../kube/kubeObject';
import {
  ApplicationComparison,
  comparisonInputs,
  reusableComparison,
} from './compareApplication';
import type { RenderedRevision } from './renderRevision';

function configMap(name: string, resourceVersion?: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name,
      namespace: 'shop',
      ...(resourceVersion ? { resourceVersion } : {}),
    },
  };
}

/** A watch cache over a map that the test changes. */
function cacheOf(live: Map<string, KubeObject>): LiveCache {
  return {
    watch: async () => {},
    isSynced: () => true,
    get: (_apiVersion, kind, namespace, name) =>
      live.get(`${kind}/${namespace}/${name}`),
    list: () => [...live.values()],
    objectsIn: () => [...live.values()],
  };
}

function comparison(
  overrides: Partial<ApplicationComparison['plan']> = {},
  refusal?: string,
): ApplicationComparison {
  return {
    plan: {
      objects: [],
      stale: [],
      comparisons: new Map(),
      adopted: [],
      hooks: [],
      ...overrides,
    },
    resources: [],
    synced: true,
    health: 'Healthy',
    message: '',
    refusal,
  };
}

describe('comparisonInputs and reusableComparison', () => {
  const app = spec('shop', 'file:///repo', 'apps/shop');
  const objects = [configMap('a'), configMap('b')];
  const hooks: KubeObject[] = [
    {
      ...configMap('migrate'),
      metadata: { name: '', generateName: 'migrate-' },
    },
    configMap('seed'),
  ];
  const rendered = (sha: string): RenderedRevision => ({
    sha,
    objects,
    hooks,
    hashes: new Map(),
    selfContained: true,
  });
  const inventory: Inventory = [
    {
      group: '',
      version: 'v1',
      kind: 'ConfigMap',
      namespace: 'shop',
      name: 'a',
    },
    {
      group: '',
      version: 'v1',
      kind: 'ConfigMap',
      namespace: 'shop',
      name: 'old',
    },
  ];

  function setup() {
    const live = new Map<string, KubeObject>([
      ['ConfigMap/shop/a', configMap('a', '11')],
      ['ConfigMap/shop/b', configMap('b', '12')],
      ['ConfigMap/shop/old', configMap('old', '13')],
    ]);
    const cache = cacheOf(live);
    const inputs = comparisonInputs(app, rendered('1111'), inventory, cache);
    const last = { inputs, comparison: comparison() };
    return { live, cache, last };
  }

  it('reuses the comparison at a new commit with the same objects and nothing live changed', () => {
    const { cache, last } = setup();
    const again = comparisonInputs(app, rendered('2222'), inventory, cache);
    expect(reusableComparison(last, again)).toBe(last.comparison);
  });

  it('compares again once a rendered object, or one the inventory tracks, changes live or goes', () => {
    for (const change of [
      (live: Map<string, KubeObject>) =>
        live.set('ConfigMap/shop/b', configMap('b', '20')),
      (live: Map<string, KubeObject>) => live.delete('ConfigMap/shop/a'),
      (live: Map<string, KubeObject>) =>
        live.set('ConfigMap/shop/old', configMap('old', '21')),
      (live: Map<string, KubeObject>) =>
        live.set('ConfigMap/shop/seed', configMap('seed', '22')),
    ]) {
      const { live, cache, last } = setup();
      change(live);
      const again = comparisonInputs(app, rendered('2222'), inventory, cache);
      expect(reusableComparison(last, again)).toBeUndefined();
    }
  });

  it('compares again for other objects, another inventory or a new spec', () => {
    const { cache, last } = setup();
    const otherObjects = { ...rendered('1111'), objects: [...objects] };
    expect(
      reusableComparison(
        last,
        comparisonInputs(app, otherObjects, inventory, cache),
      ),
    ).toBeUndefined();
    expect(
      reusableComparison(
        last,
        comparisonInputs(app, rendered('1111'), inventory.slice(0, 1), cache),
      ),
    ).toBeUndefined();
    expect(
      reusableComparison(
        last,
        comparisonInputs({ ...app }, rendered('1111'), inventory, cache),
      ),
    ).toBeUndefined();
  });

  it('never reuses a comparison with anything refused, deferred or failed', () => {
    const { cache, last } = setup();
    const inputs = comparisonInputs(app, rendered('1111'), inventory, cache);
    const planned = {
      object: objects[0],
      key: 'k',
      desiredHash: 'h',
      action: 'update' as const,
    };
    for (const comparisonOf of [
      comparison({}, 'ConfigMap a is in namespace kube-system'),
      comparison({ deferred: ['k'] }),
      comparison({ objects: [{ ...planned, refused: 'not granted' }] }),
      comparison({ objects: [{ ...planned, action: 'failed' }] }),
    ]) {
      expect(
        reusableComparison({ ...last, comparison: comparisonOf }, inputs),
      ).toBeUndefined();
    }
    expect(reusableComparison(undefined, inputs)).toBeUndefined();
  });
});
