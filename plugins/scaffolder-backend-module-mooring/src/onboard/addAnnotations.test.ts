import { addAnnotations, MAX_CATALOG_INFO_BYTES } from './addAnnotations';

const shipping = { kind: 'Component', namespace: 'default', name: 'shipping' };
const annotations = {
  'mooring.dev/cluster': 'dev',
  'mooring.dev/path': 'deploy',
  'mooring.dev/prune': 'true',
};

const source = `# The team's service
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: shipping # the name others use
  annotations:
    backstage.io/source-location: url:git://127.0.0.1:9418/shipping.git
spec:
  type: service
  owner: guests # the team
---
# Its API, in the same file
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: shipping
spec:
  type: openapi
`;

describe('addAnnotations', () => {
  it('adds the annotations to the entity document only, keeping comments and the other documents', () => {
    const edited = addAnnotations(source, shipping, annotations);
    expect(edited).toBe(`# The team's service
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: shipping # the name others use
  annotations:
    backstage.io/source-location: url:git://127.0.0.1:9418/shipping.git
    mooring.dev/cluster: dev
    mooring.dev/path: deploy
    mooring.dev/prune: "true"
spec:
  type: service
  owner: guests # the team
---
# Its API, in the same file
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: shipping
spec:
  type: openapi
`);
  });

  it('creates metadata.annotations when the entity has none', () => {
    const edited = addAnnotations(
      'kind: Component\nmetadata:\n  name: shipping\n',
      shipping,
      { 'mooring.dev/cluster': 'dev' },
    );
    expect(edited).toBe(
      'kind: Component\nmetadata:\n  name: shipping\n  annotations:\n    mooring.dev/cluster: dev\n',
    );
  });

  it('refuses an entity that already has Mooring annotations', () => {
    const onboarded = addAnnotations(source, shipping, annotations);
    expect(() => addAnnotations(onboarded, shipping, annotations)).toThrow(
      /component:default\/shipping is already onboarded: catalog-info.yaml has mooring.dev\/cluster, mooring.dev\/path, mooring.dev\/prune/i,
    );
  });

  it('refuses a file without a document for the entity, or with two', () => {
    expect(() =>
      addAnnotations(source, { ...shipping, name: 'billing' }, annotations),
    ).toThrow(/holds no document for component:default\/billing/);
    expect(() =>
      addAnnotations(source, { ...shipping, namespace: 'other' }, annotations),
    ).toThrow(/holds no document/);
    const twice = `${source}---\n${source.split('---')[0]}`;
    expect(() => addAnnotations(twice, shipping, annotations)).toThrow(
      /holds 2 documents for component:default\/shipping/,
    );
  });

  it('refuses what is not YAML, annotations that are not a mapping, and huge files', () => {
    expect(() =>
      addAnnotations('kind: Component\nmetadata: [\n', shipping, annotations),
    ).toThrow(/catalog-info.yaml is not valid YAML/);
    expect(() =>
      addAnnotations(
        'kind: Component\nmetadata:\n  name: shipping\n  annotations: [a]\n',
        shipping,
        annotations,
      ),
    ).toThrow(/metadata.annotations of .* is not a mapping/);
    const huge = `${source}#${'x'.repeat(MAX_CATALOG_INFO_BYTES)}\n`;
    expect(() => addAnnotations(huge, shipping, annotations)).toThrow(
      /larger than 1048576 bytes/,
    );
  });
});
