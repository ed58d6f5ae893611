import type { GitopsHealthCheck } from '@mooring/plugin-gitops-node';
import { KubeObject, groupOf } from '../kube/kubeObject';
import { HealthAssessment, healthy } from './types';
import { deploymentHealth } from './deploymentHealth';
import { statefulSetHealth } from './statefulSetHealth';
import { daemonSetHealth } from './daemonSetHealth';
import { replicaSetHealth } from './replicaSetHealth';
import { podHealth } from './podHealth';
import { jobHealth } from './jobHealth';
import { cronJobHealth } from './cronJobHealth';
import { serviceHealth } from './serviceHealth';
import { ingressHealth } from './ingressHealth';
import { pvcHealth } from './pvcHealth';
import { hpaHealth } from './hpaHealth';
import { conditionsHealth } from './conditionsHealth';

const BUILT_IN: Record<string, (object: any) => HealthAssessment> = {
  'apps/Deployment': deploymentHealth,
  'apps/StatefulSet': statefulSetHealth,
  'apps/DaemonSet': daemonSetHealth,
  'apps/ReplicaSet': replicaSetHealth,
  '/Pod': podHealth,
  'batch/Job': jobHealth,
  'batch/CronJob': cronJobHealth,
  '/Service': serviceHealth,
  'networking.k8s.io/Ingress': ingressHealth,
  '/PersistentVolumeClaim': pvcHealth,
  'autoscaling/HorizontalPodAutoscaler': hpaHealth,
};

/**
 * The health of a live object, or `Missing` when it is not in the cluster.
 * Custom checks are asked first, then the built-in check for the kind, then
 * Ready/Available conditions; anything else is healthy once it exists.
 */
export function objectHealth(
  object: KubeObject | undefined,
  customChecks: GitopsHealthCheck[] = [],
): HealthAssessment {
  if (!object) return { status: 'Missing', message: 'Not in the cluster yet' };
  if ((object.metadata as any).deletionTimestamp) {
    return { status: 'Progressing', message: 'Being deleted' };
  }
  const group = groupOf(object);
  for (const check of customChecks) {
    if (check.group === group && check.kind === object.kind) {
      try {
        const result = check.assess(object);
        if (result) return result;
      } catch (error) {
        return {
          status: 'Unknown',
          message: `Health check for ${object.kind} failed: ${
            (error as Error).message
          }`,
        };
      }
    }
  }
  const builtIn = BUILT_IN[`${group}/${object.kind}`];
  if (builtIn) return builtIn(object);
  return conditionsHealth(object) ?? healthy();
}
