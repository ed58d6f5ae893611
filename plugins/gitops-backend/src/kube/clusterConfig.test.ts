import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigReader } from '@backstage/config';
import { mockServices } from '@backstage/backend-test-utils';
import { readClusters } from './clusterConfig';

const kubeconfig = `
apiVersion: v1
kind: Config
clusters:
  - name: dev
    cluster: { server: https://127.0.0.1:6443, insecure-skip-tls-verify: true }
  - name: prod
    cluster: { server: https://127.0.0.1:6444, insecure-skip-tls-verify: true }
users:
  - name: admin
    user: { token: secret }
contexts:
  - name: dev
    context: { cluster: dev, user: admin }
  - name: prod
    context: { cluster: prod, user: admin }
current-context: dev
`;

describe('readClusters', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-kubeconfig-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('makes one cluster per context of gitops.kubeconfig, after gitops.clusters', () => {
    const file = path.join(dir, 'kubeconfig');
    fs.writeFileSync(file, kubeconfig);
    const clusters = readClusters(
      new ConfigReader({
        gitops: {
          kubeconfig: file,
          clusters: [{ name: 'prod', url: 'https://k8s.example.com' }],
        },
      }),
    );
    expect([...clusters.keys()]).toEqual(['prod', 'dev']);
    expect(clusters.get('dev')!.getCurrentCluster()!.server).toBe(
      'https://127.0.0.1:6443',
    );
    expect(clusters.get('prod')!.getCurrentCluster()!.server).toBe(
      'https://k8s.example.com',
    );
  });

  it('warns once, naming the file and what to do, when gitops.kubeconfig does not exist', () => {
    const file = path.join(dir, 'missing', 'kubeconfig');
    const logger = mockServices.logger.mock();
    const config = new ConfigReader({
      gitops: {
        kubeconfig: file,
        clusters: [{ name: 'prod', url: 'https://k8s.example.com' }],
      },
    });

    expect([...readClusters(config, { logger }).keys()]).toEqual(['prod']);
    expect([...readClusters(config, { logger }).keys()]).toEqual(['prod']);

    expect(logger.warn).toHaveBeenCalledTimes(1);
    const warning = logger.warn.mock.calls[0][0];
    expect(warning).toContain(`gitops.kubeconfig ${file} does not exist`);
    expect(warning).toContain('./scripts/start');
    expect(warning).toContain('gitops.clusters');
  });

  it('reads the file once it appears, and warns again if it goes away', () => {
    const file = path.join(dir, 'kubeconfig');
    const logger = mockServices.logger.mock();
    const config = new ConfigReader({ gitops: { kubeconfig: file } });

    expect(readClusters(config, { logger }).size).toBe(0);
    fs.writeFileSync(file, kubeconfig);
    expect([...readClusters(config, { logger }).keys()]).toEqual([
      'dev',
      'prod',
    ]);
    fs.rmSync(file);
    expect(readClusters(config, { logger }).size).toBe(0);
    expect(logger.warn).toHaveBeenCalledTimes(2);
  });

  it('without a logger, the warning is a process warning', () => {
    const file = path.join(dir, 'absent-kubeconfig');
    const emitWarning = jest
      .spyOn(process, 'emitWarning')
      .mockImplementation(() => {});
    try {
      readClusters(new ConfigReader({ gitops: { kubeconfig: file } }));
      expect(emitWarning).toHaveBeenCalledWith(
        expect.stringContaining(`gitops.kubeconfig ${file} does not exist`),
        { code: 'MOORING_KUBECONFIG_MISSING' },
      );
    } finally {
      emitWarning.mockRestore();
    }
  });

  it('fails with the path when the file exists but is not a kubeconfig', () => {
    const file = path.join(dir, 'kubeconfig');
    fs.writeFileSync(file, 'clusters: [: not yaml');
    expect(() =>
      readClusters(new ConfigReader({ gitops: { kubeconfig: file } })),
    ).toThrow(`Could not read gitops.kubeconfig ${file}`);
  });
});
