import { Entity } from '@backstage/catalog-model';
import { catalogInfoPath } from './catalogInfoPath';

function entity(annotations: Record<string, string>): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'shipping', annotations },
    spec: {},
  };
}

describe('catalogInfoPath', () => {
  it('is the file the entity was read from, not the location first registered', () => {
    // Registered through a Location file that lists the component's file:
    // the origin is that list, the entity lives in its own file.
    expect(
      catalogInfoPath(
        entity({
          'backstage.io/managed-by-origin-location':
            'url:https://git.example.com/team/shipping/blob/main/all-components.yaml',
          'backstage.io/managed-by-location':
            'url:https://git.example.com/team/shipping/blob/main/services/shipping/catalog-info.yaml',
        }),
        'catalog-info.yaml',
      ),
    ).toBe('services/shipping/catalog-info.yaml');
  });

  it('reads GitLab and Gitea file views, and falls back for other locations', () => {
    expect(
      catalogInfoPath(
        entity({
          'backstage.io/managed-by-location':
            'url:https://gitlab.example.com/group/shipping/-/blob/main/deploy%20info/catalog-info.yaml',
        }),
        'catalog-info.yaml',
      ),
    ).toBe('deploy info/catalog-info.yaml');
    expect(
      catalogInfoPath(
        entity({
          'backstage.io/managed-by-location':
            'url:https://gitea.example.com/team/shipping/src/branch/main/catalog.yaml',
        }),
        'catalog-info.yaml',
      ),
    ).toBe('catalog.yaml');
    expect(
      catalogInfoPath(
        entity({
          'backstage.io/managed-by-location': 'file:/srv/catalog/shipping.yaml',
        }),
        'catalog-info.yaml',
      ),
    ).toBe('catalog-info.yaml');
  });
});
