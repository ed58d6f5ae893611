import { defaultReleaseName, releaseNameOf } from './releaseName';

describe('release names', () => {
  it('is the entity name, with the target when the entity has targets', () => {
    expect(defaultReleaseName('reviews', 'default')).toBe('reviews');
    expect(defaultReleaseName('reviews', 'prod')).toBe('reviews-prod');
  });

  it('makes any entity name one Helm accepts', () => {
    expect(defaultReleaseName('Review_Service', 'prod')).toBe(
      'review-service-prod',
    );
    expect(defaultReleaseName('a'.repeat(60), 'prod')).toBe('a'.repeat(53));
  });

  it('takes mooring.dev/helm-release first', () => {
    const spec = { entityRef: 'component:default/reviews', target: 'prod' };
    expect(releaseNameOf({ ...spec, source: {} })).toBe('reviews-prod');
    expect(
      releaseNameOf({ ...spec, source: { helm: { releaseName: 'shop' } } }),
    ).toBe('shop');
  });
});
