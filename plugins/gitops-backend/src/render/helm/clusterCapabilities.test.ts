import { KubeConfig } from '@kubernetes/client-node';
import { startKubeSim, KubeSim } from '@mooring/kube-sim';
import {
  clusterCapabilitiesOf,
  kubeVersionOf,
  readClusterCapabilities,
} from './clusterCapabilities';

describe('kubeVersionOf', () => {
  it('drops the vendor suffix a chart constraint would trip on', () => {
    expect(kubeVersionOf({ gitVersion: 'v1.29.3-eks-adc7111' })).toBe(
      'v1.29.3',
    );
    expect(kubeVersionOf({ gitVersion: 'v1.32.0-kube-sim' })).toBe('v1.32.0');
    expect(kubeVersionOf({ gitVersion: '', major: '1', minor: '30+' })).toBe(
      'v1.30.0',
    );
    expect(() => kubeVersionOf({ gitVersion: 'unknown' })).toThrow(
      'the cluster reports version "unknown", which is not a Kubernetes version',
    );
  });
});

describe('readClusterCapabilities', () => {
  let sim: KubeSim;
  const kubeConfig = new KubeConfig();

  beforeAll(async () => {
    sim = await startKubeSim();
    kubeConfig.loadFromString(sim.kubeconfig());
  });
  afterAll(() => sim.stop());

  it("reads the cluster's version and every group/version and kind it serves", async () => {
    const capabilities = await readClusterCapabilities(kubeConfig);
    expect(capabilities.kubeVersion).toBe('v1.32.0');
    expect(capabilities.apiVersions).toEqual(
      expect.arrayContaining([
        'v1',
        'v1/ConfigMap',
        'apps/v1',
        'apps/v1/Deployment',
        'apiextensions.k8s.io/v1/CustomResourceDefinition',
      ]),
    );
    expect(capabilities.apiVersions.some(v => v.includes('/status'))).toBe(
      false,
    );
  });

  it('names the cluster when discovery fails', async () => {
    const unreachable = new KubeConfig();
    unreachable.loadFromOptions({
      clusters: [
        { name: 'c', server: 'http://127.0.0.1:9', skipTLSVerify: true },
      ],
      users: [{ name: 'u', token: 't' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    await expect(clusterCapabilitiesOf('dev', unreachable)).rejects.toThrow(
      /^Could not read the version and APIs of cluster dev for Helm: /,
    );
  });
});
