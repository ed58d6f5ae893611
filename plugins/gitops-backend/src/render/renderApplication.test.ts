import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ANNOTATION_TRACKING_ID } from '@mooring/plugin-gitops-common';
import { defaultRenderers, renderApplication } from './renderApplication';
import { createHelmRenderer } from './helmRenderer';

const testdata = path.join(__dirname, 'testdata');
const renderers = defaultRenderers({});

function render(appPath: string, root = testdata) {
  return renderApplication({
    repositoryRoot: root,
    path: appPath,
    namespace: 'shop',
    applicationId: 'payments-prod',
    renderers,
  });
}

describe('renderApplication', () => {
  it('reads plain YAML recursively, multi-document, with namespaces and tracking ids', async () => {
    const { renderer, objects } = await render('plain');
    expect(renderer).toBe('yaml');
    expect(
      objects.map(
        o => `${o.kind}/${o.metadata.namespace ?? '-'}/${o.metadata.name}`,
      ),
    ).toEqual([
      'Deployment/shop/web',
      'Service/shop/web',
      'ConfigMap/other/settings',
      'Namespace/-/shop',
    ]);
    expect(objects[0].metadata.annotations?.[ANNOTATION_TRACKING_ID]).toBe(
      'payments-prod:apps/Deployment:shop/web',
    );
    expect(objects[3].metadata.annotations?.[ANNOTATION_TRACKING_ID]).toBe(
      'payments-prod:/Namespace:/shop',
    );
  });

  it('names file and line of a manifest that does not parse, and renders nothing', async () => {
    await expect(render('malformed')).rejects.toThrow(
      /^malformed\/zbroken\.yaml:6: /,
    );
  });

  it('renders a kustomize overlay with kubectl', async () => {
    const { renderer, objects } = await render('kustomize/overlay');
    expect(renderer).toBe('kustomize');
    const names = objects.map(o => `${o.kind}/${o.metadata.name}`).sort();
    const generated = objects.find(o => o.kind === 'ConfigMap')!.metadata.name;
    expect(generated).toMatch(/^prod-settings-[a-z0-9]{10}$/);
    expect(names).toEqual([`ConfigMap/${generated}`, 'Deployment/prod-api']);
    expect(objects.every(o => o.metadata.namespace === 'shop')).toBe(true);
    expect(objects[0].metadata.labels?.env).toBe('prod');
  });

  it('refuses kustomize references out of the repository', async () => {
    await expect(render('kustomize-escape')).rejects.toThrow(
      /kustomize-escape\/kustomization\.yaml: Path .* leads outside the repository/,
    );
  });

  it('refuses remote kustomize bases', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-render-'));
    fs.writeFileSync(
      path.join(root, 'kustomization.yaml'),
      'resources: [https://github.com/example/app//deploy?ref=main]\n',
    );
    await expect(render('.', root)).rejects.toThrow(
      /remote base .* is not allowed/,
    );
  });

  it('refuses application paths and symlinks out of the repository', async () => {
    await expect(render('../..')).rejects.toThrow(
      /leads outside the repository/,
    );
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-render-'));
    fs.mkdirSync(path.join(root, 'app'));
    fs.symlinkSync('/etc', path.join(root, 'app', 'etc'));
    await expect(render('app', root)).rejects.toThrow(
      /app\/etc: symlink leads outside the repository/,
    );
    fs.symlinkSync('/etc', path.join(root, 'linked'));
    await expect(render('linked', root)).rejects.toThrow(
      /symlink that leads outside the repository/,
    );
  });

  it('refuses an object defined twice', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-render-'));
    const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: twice}\n';
    fs.writeFileSync(path.join(root, 'a.yaml'), cm);
    fs.writeFileSync(path.join(root, 'b.yaml'), cm);
    await expect(render('.', root)).rejects.toThrow(
      /ConfigMap twice in namespace shop is defined twice/,
    );
  });

  it('names the missing helm binary for a chart', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-render-'));
    fs.writeFileSync(
      path.join(root, 'Chart.yaml'),
      'apiVersion: v2\nname: c\nversion: 0.1.0\n',
    );
    await expect(
      renderApplication({
        repositoryRoot: root,
        path: '.',
        namespace: 'shop',
        applicationId: 'a',
        renderers: [
          createHelmRenderer({ binary: path.join(root, 'no-helm') }),
          ...renderers,
        ],
      }),
    ).rejects.toThrow(
      /Application a: \. is a Helm chart, but the helm binary ".*no-helm" \(gitops\.helm\.binary\) is missing/,
    );
  });
});
