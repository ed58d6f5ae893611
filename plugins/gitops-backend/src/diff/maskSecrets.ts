import type { KubeObject } from '../kube/kubeObject';

const UNCHANGED_MASK = '++++++++';
const CHANGED_MASK = '++++++++++++++++';

function isSecret(object: KubeObject | undefined): boolean {
  return object?.kind === 'Secret' && object.apiVersion === 'v1';
}

function masked(
  values: Record<string, unknown> | undefined,
  maskFor: (key: string) => string,
) {
  if (!values || typeof values !== 'object') return values;
  return Object.fromEntries(
    Object.keys(values).map(key => [key, maskFor(key)]),
  );
}

/**
 * Masks a Secret's values in a live/desired pair so a diff still shows which
 * keys were added, removed or changed but never a value (as Argo CD does:
 * a changed value gets a longer mask on the desired side).
 */
export function maskSecretPair(
  live: KubeObject | undefined,
  desired: KubeObject | undefined,
): { live?: KubeObject; desired?: KubeObject } {
  if (!isSecret(live) && !isSecret(desired)) return { live, desired };
  const liveData = (live as any)?.data ?? {};
  const desiredData = (desired as any)?.data ?? {};
  const mask = (side: 'live' | 'desired') => (key: string) =>
    side === 'desired' && key in liveData && liveData[key] !== desiredData[key]
      ? CHANGED_MASK
      : UNCHANGED_MASK;
  const apply = (object: KubeObject | undefined, side: 'live' | 'desired') => {
    if (!object) return object;
    const copy: any = { ...object };
    if (copy.data) copy.data = masked(copy.data, mask(side));
    if (copy.stringData) copy.stringData = masked(copy.stringData, mask(side));
    if (copy.metadata?.annotations) {
      // Tools sometimes copy the whole Secret into an annotation.
      copy.metadata = {
        ...copy.metadata,
        annotations: Object.fromEntries(
          Object.entries(copy.metadata.annotations).map(([k, v]) => [
            k,
            k === 'kubectl.kubernetes.io/last-applied-configuration'
              ? UNCHANGED_MASK
              : v,
          ]),
        ),
      };
    }
    return copy as KubeObject;
  };
  return { live: apply(live, 'live'), desired: apply(desired, 'desired') };
}

/** A Secret with every value masked; other objects unchanged. */
export function maskSecret(object: KubeObject): KubeObject {
  return maskSecretPair(object, undefined).live!;
}
