import {
  ANNOTATION_HOOK,
  ANNOTATION_HOOK_DELETE_POLICY,
  ANNOTATION_SYNC_WAVE,
} from '@mooring/plugin-gitops-common';
import type { KubeObject } from '../../kube/kubeObject';

const HELM_HOOK = 'helm.sh/hook';
const HELM_HOOK_WEIGHT = 'helm.sh/hook-weight';
const HELM_HOOK_DELETE_POLICY = 'helm.sh/hook-delete-policy';
const ARGOCD_HOOK = 'argocd.argoproj.io/hook';
const ARGOCD_SYNC_WAVE = 'argocd.argoproj.io/sync-wave';

/** Helm hook events and the sync phase each runs in, as Argo CD maps them. */
const PHASE_OF_EVENT: Record<string, string> = {
  'pre-install': 'PreSync',
  'pre-upgrade': 'PreSync',
  'post-install': 'PostSync',
  'post-upgrade': 'PostSync',
  'post-delete': 'PostDelete',
};

const DELETE_POLICY: Record<string, string> = {
  'before-hook-creation': 'BeforeHookCreation',
  'hook-succeeded': 'HookSucceeded',
  'hook-failed': 'HookFailed',
};

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map(item => item.trim())
    .filter(Boolean);
}

/**
 * Turns Helm hooks into what a sync understands. `helm test` hooks
 * (`test`, `test-success`, `test-failure`) are dropped: they are not part of
 * an installation, and charts often give them random names. Hooks that only
 * run on delete or rollback (`pre-delete`, `pre-rollback`, `post-rollback`)
 * are dropped too, as Argo CD does: applied on every sync they would clean
 * up the release they belong to. Other hooks get `mooring.dev/hook` (phase),
 * `mooring.dev/hook-delete-policy` and, from `helm.sh/hook-weight`,
 * `mooring.dev/sync-wave` unless the object names a wave itself.
 * Objects that set `mooring.dev/hook` or Argo CD's hook keep theirs. Pure.
 */
export function mapHelmHooks(objects: KubeObject[]): KubeObject[] {
  const result: KubeObject[] = [];
  for (const object of objects) {
    const annotations = object.metadata.annotations ?? {};
    const events = list(annotations[HELM_HOOK]);
    if (events.length === 0) {
      result.push(object);
      continue;
    }
    if (annotations[ANNOTATION_HOOK] || annotations[ARGOCD_HOOK]) {
      result.push(object);
      continue;
    }
    const phases = [
      ...new Set(events.map(event => PHASE_OF_EVENT[event]).filter(Boolean)),
    ];
    if (phases.length === 0) continue;
    const mapped: Record<string, string> = {
      ...annotations,
      [ANNOTATION_HOOK]: phases.join(','),
    };
    const policies = list(annotations[HELM_HOOK_DELETE_POLICY])
      .map(policy => DELETE_POLICY[policy])
      .filter(Boolean);
    if (policies.length) {
      mapped[ANNOTATION_HOOK_DELETE_POLICY] = policies.join(',');
    }
    const weight = annotations[HELM_HOOK_WEIGHT]?.trim();
    if (
      weight &&
      /^[-+]?\d+$/.test(weight) &&
      annotations[ANNOTATION_SYNC_WAVE] === undefined &&
      annotations[ARGOCD_SYNC_WAVE] === undefined
    ) {
      mapped[ANNOTATION_SYNC_WAVE] = String(Number(weight));
    }
    result.push({
      ...object,
      metadata: { ...object.metadata, annotations: mapped },
    });
  }
  return result;
}
