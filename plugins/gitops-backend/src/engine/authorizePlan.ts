import type { ResourceRef } from '@mooring/plugin-gitops-common';
import { liveSyncOptions } from '../apply/syncAnnotations';
import {
  KubeObject,
  splitApiVersion,
  trackedApplicationId,
} from '../kube/kubeObject';
import {
  Grant,
  ObjectScope,
  checkOwnership,
  checkTenancy,
  clusterAllowed,
} from '../tenancy';

/** What the platform granted one application, and how to ask its cluster about kinds. */
export interface PlanAuthorization {
  grant: Grant;
  cluster: string;
  destinationNamespace: string;
  /** A kind's scope from the cluster's discovery; undefined when it is not served (yet). */
  scopeOf(apiVersion: string, kind: string): Promise<ObjectScope | undefined>;
}

export interface PlanVerdict {
  /** Why nothing of the plan may be applied; undefined when it may. */
  refusal?: string;
  /** Live objects without a tracking id that the sync takes over. */
  adopted: ResourceRef[];
  /**
   * Why each refused object is refused, by position in the objects given.
   * Nothing of a refused object's live version may be shown: it may not be
   * the application's to see.
   */
  refused: Map<number, string>;
}

/**
 * The trust boundary, judged once per plan before anything is written: every
 * rendered object must land where the owner's grant allows (its cluster, its
 * namespace, its kind's scope from discovery), and none may belong to another
 * application. One violation refuses the whole plan.
 */
export async function authorizePlan(input: {
  applicationId: string;
  objects: Array<{ object: KubeObject; live?: KubeObject }>;
  authorization: PlanAuthorization;
}): Promise<PlanVerdict> {
  const { authorization } = input;
  if (!clusterAllowed(authorization.grant, authorization.cluster)) {
    // Judged without asking the cluster anything.
    const { message } = checkTenancy({
      objects: [],
      grant: authorization.grant,
      cluster: authorization.cluster,
      destinationNamespace: authorization.destinationNamespace,
      scopeOf: () => undefined,
    });
    const refused = new Map(input.objects.map((_, i) => [i, message!]));
    return { refusal: message, adopted: [], refused };
  }
  const kinds = new Map<string, { apiVersion: string; kind: string }>();
  for (const { object } of input.objects) {
    kinds.set(`${object.apiVersion}/${object.kind}`, object);
  }
  const scopes = new Map<string, ObjectScope | undefined>();
  await Promise.all(
    [...kinds].map(async ([key, { apiVersion, kind }]) => {
      scopes.set(key, await authorization.scopeOf(apiVersion, kind));
    }),
  );
  const tenancy = checkTenancy({
    objects: input.objects.map(o => o.object),
    grant: authorization.grant,
    cluster: authorization.cluster,
    destinationNamespace: authorization.destinationNamespace,
    scopeOf: (apiVersion, kind) => scopes.get(`${apiVersion}/${kind}`),
    deferUnknown: object => liveSyncOptions(object).skipDryRunOnMissingResource,
  });
  const lives = new Map(input.objects.map(o => [o.object, o.live]));
  const ownership = checkOwnership({
    applicationId: input.applicationId,
    desired: input.objects.map(o => o.object),
    live: object => lives.get(object),
  });
  const refused = new Map<number, string>();
  input.objects.forEach(({ object }, index) => {
    const { group } = splitApiVersion(object.apiVersion);
    const name = object.metadata.name;
    const violation =
      tenancy.violations.find(
        v =>
          !v.object ||
          (v.object.kind === object.kind &&
            v.object.group === group &&
            v.object.name === name &&
            (v.object.namespace === '' ||
              v.object.namespace ===
                (object.metadata.namespace ||
                  authorization.destinationNamespace))),
      )?.reason ??
      ownership.conflicts.find(
        c =>
          c.object.kind === object.kind &&
          c.object.group === group &&
          c.object.name === name &&
          c.object.namespace === (object.metadata.namespace ?? ''),
      )?.reason;
    if (violation) refused.set(index, violation);
  });
  return {
    refusal: tenancy.message ?? ownership.message,
    adopted: ownership.adopted,
    refused,
  };
}

/**
 * For prune and prune-on-remove: why the grant does not let the application
 * delete a live object it tracks (the grant may have changed since it was
 * applied), or undefined when it may.
 */
export function deletionGuard(
  authorization: PlanAuthorization,
  neighbours?: {
    applicationId: string;
    /** The live objects Mooring watches in a namespace. */
    objectsIn(namespace: string): KubeObject[];
  },
): (live: KubeObject) => Promise<string | undefined> {
  return async live => {
    if (neighbours && live.kind === 'Namespace' && live.apiVersion === 'v1') {
      const others = new Set(
        neighbours
          .objectsIn(live.metadata.name)
          .map(o => trackedApplicationId(o))
          .filter(
            (id): id is string => !!id && id !== neighbours.applicationId,
          ),
      );
      if (others.size) {
        return `Namespace ${live.metadata.name} holds objects of ${
          others.size === 1 ? 'application' : 'applications'
        } ${[...others]
          .slice(0, 3)
          .join(', ')}; Mooring does not delete it from under them`;
      }
    }
    const scope = await authorization.scopeOf(live.apiVersion, live.kind);
    return checkTenancy({
      objects: [live],
      grant: authorization.grant,
      cluster: authorization.cluster,
      destinationNamespace: authorization.destinationNamespace,
      scopeOf: () => scope,
    }).violations[0]?.reason;
  };
}
