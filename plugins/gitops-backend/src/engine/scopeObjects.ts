import { ANNOTATION_TRACKING_ID } from '@mooring/plugin-gitops-common';
import { stableDigest } from '../diff/normalize';
import {
  KubeObject,
  describeObject,
  keyOfObject,
  trackingIdFor,
} from '../kube/kubeObject';
import type { ObjectScope } from '../tenancy';
import type { RenderedRevision } from './renderRevision';

/**
 * Puts every rendered object in the scope its cluster serves the kind with.
 * Renderers judge scope from a list of built-in kinds and the application's
 * own CRDs; discovery knows better (a cluster-scoped custom resource whose
 * CRD the platform installed). A cluster-scoped object loses
 * `metadata.namespace`, a namespaced one without a namespace gets the
 * destination's, and the tracking id follows, so lookups, inventory and
 * ownership name the object as it really is. Kinds the cluster does not
 * serve yet keep the renderer's judgement and mark the revision to be
 * scoped again.
 */
export async function scopeObjects(
  rendered: RenderedRevision,
  options: {
    applicationId: string;
    destinationNamespace: string;
    scopeOf(apiVersion: string, kind: string): Promise<ObjectScope | undefined>;
  },
): Promise<RenderedRevision> {
  const scopes = new Map<string, ObjectScope | undefined>();
  const hooks = rendered.hooks ?? [];
  await Promise.all(
    [
      ...new Set(
        [...rendered.objects, ...hooks].map(o => `${o.apiVersion}\n${o.kind}`),
      ),
    ].map(async key => {
      const [apiVersion, kind] = key.split('\n');
      // A cluster that cannot answer now is judged when it can; comparing
      // with it fails on its own and says so.
      scopes.set(
        key,
        await options.scopeOf(apiVersion, kind).catch(() => undefined),
      );
    }),
  );
  let changed = false;
  let unscoped = false;
  const seen = new Set<string>();
  const scopeOne = (original: KubeObject): KubeObject => {
    const scope = scopes.get(`${original.apiVersion}\n${original.kind}`);
    let object: KubeObject = original;
    if (!scope) {
      unscoped = true;
    } else if (scope === 'Cluster' && original.metadata.namespace) {
      object = rescoped(original, undefined, options.applicationId);
    } else if (scope === 'Namespaced' && !original.metadata.namespace) {
      object = rescoped(
        original,
        options.destinationNamespace,
        options.applicationId,
      );
    }
    if (object !== original) changed = true;
    return object;
  };
  const scopedHooks = hooks.map(scopeOne);
  const objects = rendered.objects.map(original => {
    const object = scopeOne(original);
    const key = keyOfObject(object);
    if (seen.has(key)) {
      throw new Error(
        `${describeObject({
          kind: object.kind,
          namespace: object.metadata.namespace,
          name: object.metadata.name,
        })} is defined twice (its kind is cluster-scoped on this cluster); keep one definition`,
      );
    }
    seen.add(key);
    return object;
  });
  if (!changed) return { ...rendered, unscoped };
  return {
    ...rendered,
    objects,
    hooks: scopedHooks,
    hashes: new Map(objects.map(o => [keyOfObject(o), stableDigest(o)])),
    unscoped,
  };
}

function rescoped(
  original: KubeObject,
  namespace: string | undefined,
  applicationId: string,
): KubeObject {
  const object: KubeObject = {
    ...original,
    metadata: { ...original.metadata },
  };
  if (namespace) object.metadata.namespace = namespace;
  else delete object.metadata.namespace;
  object.metadata.annotations = {
    ...object.metadata.annotations,
    [ANNOTATION_TRACKING_ID]: trackingIdFor(applicationId, object),
  };
  return object;
}
