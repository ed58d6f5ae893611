import { chartRepositoryAllowed } from './chartRepositoryAllowed';

describe('chartRepositoryAllowed', () => {
  const allowed = [
    'https://charts.example.com/stable/**',
    'https://*.corp/**',
    'oci://registry.example.com/charts/*',
  ];

  it.each([
    'https://charts.example.com/stable',
    'https://charts.example.com/stable/extra',
    'https://CHARTS.example.com/stable/',
    'https://helm.corp/',
    'https://helm.corp',
    'oci://registry.example.com/charts/redis',
  ])('allows %s', url => {
    expect(chartRepositoryAllowed(url, allowed)).toBe(true);
  });

  it.each([
    'https://charts.example.com/incubator',
    'http://charts.example.com/stable',
    'https://evil.com?.corp/x',
    'https://evil.com#.corp/x',
    'https://user:token@helm.corp/',
    'https://charts.example.com/stable/../../private',
    'https://charts.example.com/stable/%2e%2e/%2e%2e/private',
    'https://charts.example.com/stable/a%2fb',
    'oci://registry.example.com/charts/redis/nested',
    'file:///etc',
    'stable',
  ])('refuses %s', url => {
    expect(chartRepositoryAllowed(url, allowed)).toBe(false);
  });

  it('refuses everything without patterns', () => {
    expect(
      chartRepositoryAllowed('https://charts.example.com/stable', []),
    ).toBe(false);
  });
});
