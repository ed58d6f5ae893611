import { ConflictError, InputError } from '@backstage/errors';
import { ANNOTATION_PREFIX } from '@mooring/plugin-gitops-common';
import { isMap, isScalar, parseAllDocuments, YAMLMap } from 'yaml';

/** Larger than any hand-written catalog-info.yaml; a bigger file is refused unread. */
export const MAX_CATALOG_INFO_BYTES = 1024 * 1024;

/** The entity a catalog-info.yaml document must describe to be edited. */
export interface EntityName {
  kind: string;
  namespace: string;
  name: string;
}

function text(node: unknown): string | undefined {
  if (isScalar(node) && typeof node.value === 'string') return node.value;
  return undefined;
}

/**
 * Adds annotations to the document of `catalog-info.yaml` that describes the
 * entity, keeping everything else as written: other documents, comments, key
 * order and quoting. Refuses a file that is too large or not YAML, one with
 * no document for the entity, and an entity that already has Mooring
 * annotations (onboarding twice would silently redirect its deployments).
 */
export function addAnnotations(
  source: string,
  entity: EntityName,
  annotations: Record<string, string>,
  fileName = 'catalog-info.yaml',
): string {
  if (Buffer.byteLength(source) > MAX_CATALOG_INFO_BYTES) {
    throw new InputError(
      `${fileName} is larger than ${MAX_CATALOG_INFO_BYTES} bytes; Mooring does not edit it`,
    );
  }
  const documents = parseAllDocuments(source, { prettyErrors: true });
  if (!Array.isArray(documents)) {
    throw new InputError(`${fileName} holds no YAML document`);
  }
  const broken = documents.find(doc => doc.errors.length > 0);
  if (broken) {
    throw new InputError(
      `${fileName} is not valid YAML: ${broken.errors[0].message}`,
    );
  }
  const matches = documents.filter(doc => {
    const root = doc.contents;
    if (!isMap(root)) return false;
    const kind = text(root.get('kind', true));
    const metadata = root.get('metadata');
    if (!isMap(metadata)) return false;
    const name = text(metadata.get('name', true));
    const namespace = text(metadata.get('namespace', true)) ?? 'default';
    return (
      kind?.toLocaleLowerCase('en-US') ===
        entity.kind.toLocaleLowerCase('en-US') &&
      name?.toLocaleLowerCase('en-US') ===
        entity.name.toLocaleLowerCase('en-US') &&
      namespace.toLocaleLowerCase('en-US') ===
        entity.namespace.toLocaleLowerCase('en-US')
    );
  });
  const ref = `${entity.kind.toLocaleLowerCase('en-US')}:${entity.namespace}/${
    entity.name
  }`;
  if (matches.length !== 1) {
    throw new InputError(
      matches.length === 0
        ? `${fileName} holds no document for ${ref}; onboard the component from the file that defines it`
        : `${fileName} holds ${matches.length} documents for ${ref}; keep one`,
    );
  }
  const doc = matches[0];
  const metadata = (doc.contents as YAMLMap).get('metadata') as YAMLMap;
  let existing = metadata.get('annotations');
  if (existing === undefined || existing === null) {
    metadata.set('annotations', doc.createNode({}));
    existing = metadata.get('annotations');
  }
  if (!isMap(existing)) {
    throw new InputError(
      `${fileName}: metadata.annotations of ${ref} is not a mapping`,
    );
  }
  const present = existing.items
    .map(pair => text(pair.key) ?? String(pair.key))
    .filter(key => key.startsWith(ANNOTATION_PREFIX));
  if (present.length > 0) {
    throw new ConflictError(
      `${ref} is already onboarded: ${fileName} has ${present.join(
        ', ',
      )}; change those annotations instead of onboarding it again`,
    );
  }
  for (const [key, value] of Object.entries(annotations)) {
    existing.set(key, value);
  }
  return documents.map(d => d.toString()).join('');
}
