import { DEFAULT_TARGET } from '@mooring/plugin-gitops-common';

/**
 * The release name of an application that sets no `mooring.dev/helm-release`:
 * the entity name, or `<name>-<target>` when the entity has targets, made a
 * name Helm accepts (lower case, `[a-z0-9-.]`, at most 53 characters).
 */
export function defaultReleaseName(
  entityName: string,
  target?: string,
): string {
  const name =
    target && target !== DEFAULT_TARGET
      ? `${entityName}-${target}`
      : entityName;
  return (
    name
      .toLocaleLowerCase('en-US')
      .replace(/[^a-z0-9.-]+/g, '-')
      .slice(0, 53)
      .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '') || 'release'
  );
}

/** {@link defaultReleaseName} of an application id (`kind~namespace~name~target`). */
export function releaseNameFor(applicationId: string, target?: string): string {
  const parts = applicationId.split('~');
  return defaultReleaseName(
    parts.length === 4 ? parts[2] : applicationId,
    target ?? (parts.length === 4 ? parts[3] : undefined),
  );
}

/** The release name of an application: `mooring.dev/helm-release`, else {@link defaultReleaseName}. */
export function releaseNameOf(spec: {
  entityRef: string;
  target: string;
  source: { helm?: { releaseName?: string } };
}): string {
  return (
    spec.source.helm?.releaseName ??
    defaultReleaseName(spec.entityRef.replace(/^.*[:/]/, ''), spec.target)
  );
}
