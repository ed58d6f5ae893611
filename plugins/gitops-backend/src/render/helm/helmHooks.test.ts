import type { KubeObject } from '../../kube/kubeObject';
import { mapHelmHooks } from './helmHooks';

const object = (name: string, annotations?: Record<string, string>) =>
  ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, ...(annotations ? { annotations } : {}) },
  } as KubeObject);

describe('mapHelmHooks', () => {
  it('drops helm test hooks and hooks that only run on delete or rollback', () => {
    const mapped = mapHelmHooks([
      object('plain'),
      object('test', { 'helm.sh/hook': 'test' }),
      object('test-success', { 'helm.sh/hook': 'test-success' }),
      object('cleanup', { 'helm.sh/hook': 'pre-delete' }),
      object('rollback', { 'helm.sh/hook': 'pre-rollback, post-rollback' }),
    ]);
    expect(mapped.map(o => o.metadata.name)).toEqual(['plain']);
  });

  it('maps install and upgrade hooks to sync phases, in the order given', () => {
    const mapped = mapHelmHooks([
      object('before', {
        'helm.sh/hook': 'pre-install,pre-upgrade',
        'helm.sh/hook-weight': '-2',
        'helm.sh/hook-delete-policy': 'before-hook-creation',
      }),
      object('plain'),
      object('after', {
        'helm.sh/hook': 'post-install, post-upgrade, pre-delete',
      }),
      object('around', { 'helm.sh/hook': 'pre-install,post-install' }),
      object('gone', { 'helm.sh/hook': 'post-delete' }),
    ]);
    expect(
      mapped.map(o => [o.metadata.name, o.metadata.annotations ?? {}]),
    ).toEqual([
      [
        'before',
        {
          'helm.sh/hook': 'pre-install,pre-upgrade',
          'helm.sh/hook-weight': '-2',
          'helm.sh/hook-delete-policy': 'before-hook-creation',
          'mooring.dev/hook': 'PreSync',
          'mooring.dev/hook-delete-policy': 'BeforeHookCreation',
          'mooring.dev/sync-wave': '-2',
        },
      ],
      ['plain', {}],
      [
        'after',
        {
          'helm.sh/hook': 'post-install, post-upgrade, pre-delete',
          'mooring.dev/hook': 'PostSync',
        },
      ],
      [
        'around',
        {
          'helm.sh/hook': 'pre-install,post-install',
          'mooring.dev/hook': 'PreSync,PostSync',
        },
      ],
      [
        'gone',
        { 'helm.sh/hook': 'post-delete', 'mooring.dev/hook': 'PostDelete' },
      ],
    ]);
  });

  it('keeps a wave or hook the object names itself', () => {
    const [waved, argo] = mapHelmHooks([
      object('waved', {
        'helm.sh/hook': 'pre-install',
        'helm.sh/hook-weight': '5',
        'mooring.dev/sync-wave': '1',
      }),
      object('argo', {
        'helm.sh/hook': 'test',
        'argocd.argoproj.io/hook': 'Sync',
      }),
    ]);
    expect(waved.metadata.annotations).toMatchObject({
      'mooring.dev/hook': 'PreSync',
      'mooring.dev/sync-wave': '1',
    });
    expect(argo.metadata.annotations).not.toHaveProperty('mooring.dev/hook');
  });
});
