import { createTwoFilesPatch } from 'diff';
import { stringify } from 'yaml';
import type { ResourceDiff } from '@mooring/plugin-gitops-common';
import { KubeObject, resourceRef } from '../kube/kubeObject';
import { maskSecretPair } from './maskSecrets';
import { normalizeObject } from './normalize';

function toYaml(object: KubeObject | undefined): string {
  return object ? stringify(object, { sortMapEntries: true }) : '';
}

/**
 * One unified diff (live `---` against desired `+++`) of normalized objects,
 * Secret values masked. `desired` is what the API server would make of the
 * manifest (a server-side dry run); undefined means the object leaves Git.
 * Returns undefined when both sides are equal.
 */
export function resourceDiff(
  live: KubeObject | undefined,
  desired: KubeObject | undefined,
): ResourceDiff | undefined {
  const subject = (desired ?? live)!;
  const pair = maskSecretPair(
    live && normalizeObject(live),
    desired && normalizeObject(desired),
  );
  const before = toYaml(pair.live);
  const after = toYaml(pair.desired);
  if (before === after) return undefined;
  const ref = resourceRef(subject);
  const name = `${ref.group || 'core'}/${ref.kind}/${
    ref.namespace ? `${ref.namespace}/` : ''
  }${ref.name}`;
  const patch = createTwoFilesPatch(
    `live/${name}`,
    `desired/${name}`,
    before,
    after,
    undefined,
    undefined,
    { context: 3 },
  );
  return {
    group: ref.group,
    kind: ref.kind,
    namespace: ref.namespace,
    name: ref.name,
    diff: patch.replace(/^=+\n/m, ''),
  };
}
