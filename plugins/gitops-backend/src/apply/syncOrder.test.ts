import { applySteps, sortForApply, sortForDelete, syncWave } from './syncOrder';

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
