import {
  labelSelectorRequirements,
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  SelectorError,
} from './selectors';

describe('label selectors', () => {
  const labels = {
    app: 'web',
    tier: 'frontend',
    'example.com/owner': 'payments',
  };

  it.each([
    ['app=web', true],
    ['app==web', true],
    ['app!=web', false],
    ['app=web,tier=backend', false],
    ['tier in (frontend, backend)', true],
    ['tier notin (frontend)', false],
    ['example.com/owner', true],
    ['!legacy', true],
    ['!app', false],
    ['missing!=x', true],
    ['app in (web),!legacy,example.com/owner=payments', true],
  ])('%s matches: %s', (selector, expected) => {
    expect(matchesLabels(parseLabelSelector(selector), labels)).toBe(expected);
  });

  it('rejects a malformed selector with its text in the message', () => {
    expect(() => parseLabelSelector('app=web,=x')).toThrow(SelectorError);
    expect(() => parseLabelSelector('bad key=1')).toThrow(/bad key=1/);
  });

  it('reads LabelSelector objects', () => {
    const requirements = labelSelectorRequirements({
      matchLabels: { app: 'web' },
      matchExpressions: [{ key: 'tier', operator: 'In', values: ['frontend'] }],
    });
    expect(matchesLabels(requirements, labels)).toBe(true);
    expect(matchesLabels(requirements, { app: 'web' })).toBe(false);
  });
});

describe('field selectors', () => {
  const pod = {
    metadata: { name: 'web-1', namespace: 'default' },
    status: { phase: 'Running' },
  };

  it('matches equality and inequality on dotted paths', () => {
    expect(matchesFields(parseFieldSelector('metadata.name=web-1'), pod)).toBe(
      true,
    );
    expect(
      matchesFields(parseFieldSelector('status.phase!=Running'), pod),
    ).toBe(false);
    expect(
      matchesFields(
        parseFieldSelector('metadata.name=web-1,metadata.namespace==default'),
        pod,
      ),
    ).toBe(true);
  });

  it('rejects a selector without an operator', () => {
    expect(() => parseFieldSelector('metadata.name')).toThrow(/field=value/);
  });
});
