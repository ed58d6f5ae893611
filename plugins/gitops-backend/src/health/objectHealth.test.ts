import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { objectHealth } from './objectHealth';

function fixture(name: string) {
  return parse(
    fs.readFileSync(path.join(__dirname, 'testdata', `${name}.yaml`), 'utf8'),
  );
}

describe('objectHealth', () => {
  it.each([
    ['deployment-healthy', 'Healthy', /3 of 3 replicas available/],
    ['deployment-progressing', 'Progressing', /1 of 3 updated replicas/],
    ['deployment-degraded', 'Degraded', /progress deadline.*timed out/],
    ['deployment-paused', 'Suspended', /paused/],
    [
      'statefulset-progressing',
      'Progressing',
      /Waiting for 2 pods to be ready/,
    ],
    ['daemonset-healthy', 'Healthy', /2 of 2 pods available/],
    ['replicaset-degraded', 'Degraded', /exceeded quota/],
    ['pod-crashloop', 'Degraded', /Container web is CrashLoopBackOff/],
    ['pod-ready', 'Healthy', /running and ready/],
    ['job-failed', 'Degraded', /backoff limit/],
    ['job-complete', 'Healthy', /1 succeeded/],
    ['cronjob-suspended', 'Suspended', /suspended/],
    ['service-loadbalancer-pending', 'Progressing', /load balancer/],
    ['service-clusterip', 'Healthy', /^$/],
    ['ingress-healthy', 'Healthy', /10\.0\.0\.7/],
    ['pvc-pending', 'Progressing', /bound/],
    ['hpa-degraded', 'Degraded', /unable to compute/],
    ['custom-ready-false', 'Degraded', /Issuer letsencrypt not found/],
  ])('%s is %s', (name, status, message) => {
    const result = objectHealth(fixture(name));
    expect(result.status).toBe(status);
    expect(result.message).toMatch(message);
  });

  it('reports Missing for an object not in the cluster', () => {
    expect(objectHealth(undefined)).toEqual({
      status: 'Missing',
      message: 'Not in the cluster yet',
    });
  });

  it('asks custom checks first and falls back when they pass', () => {
    const certificate = fixture('custom-ready-false');
    const check = {
      group: 'cert-manager.io',
      kind: 'Certificate',
      assess: (o: any) =>
        o.metadata.name === 'web-tls'
          ? { status: 'Suspended' as const, message: 'Renewal paused' }
          : undefined,
    };
    expect(objectHealth(certificate, [check])).toEqual({
      status: 'Suspended',
      message: 'Renewal paused',
    });
    certificate.metadata.name = 'other';
    expect(objectHealth(certificate, [check]).status).toBe('Degraded');
  });
});
