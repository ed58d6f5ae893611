/* eslint jest/expect-expect: ["warn", { "assertFunctionNames": ["expect", "expect*"] }] -- the module's assert helper */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type { KubeObject } from '../kube/kubeObject';
import { normalizeObject, sameObject, stableStringify } from './normalize';

function fixture(name: string): KubeObject {
  return parse(
    fs.readFileSync(path.join(__dirname, 'testdata', `${name}.yaml`), 'utf8'),
  );
}

/** Asserts whether two fixtures count as the same object, in either order. */
function expectSame(a: string, b: string, same: boolean) {
  expect(sameObject(fixture(a), fixture(b))).toBe(same);
  expect(sameObject(fixture(b), fixture(a))).toBe(same);
}

describe('normalizeObject', () => {
  it('keeps what Git decides and drops what the server and controllers write', () => {
    const normal: any = normalizeObject(fixture('deployment-live'));
    expect(normal.metadata).toEqual({
      name: 'web',
      namespace: 'shop',
      labels: { app: 'web' },
    });
    expect(normal.status).toBeUndefined();
    expect(normal.spec.replicas).toBe(2);
  });

  it('keeps annotations people set', () => {
    expect(
      normalizeObject(fixture('deployment-live-scaled')).metadata.annotations,
    ).toEqual({ 'team.example.com/on-call': 'payments' });
  });

  it('drops label and annotation maps left empty', () => {
    expect(
      normalizeObject(fixture('configmap-empty-metadata')).metadata,
    ).toEqual({ name: 'settings', namespace: 'shop' });
  });

  it('folds Secret stringData into base64 data, as the API server does', () => {
    const normal: any = normalizeObject(fixture('secret-stringdata'));
    expect(normal.stringData).toBeUndefined();
    expect(normal.data).toEqual({ password: 'aHVudGVyMg==', user: 'YWRtaW4=' });
  });

  it('leaves its argument untouched', () => {
    const live = fixture('deployment-live');
    normalizeObject(live);
    expect(live).toEqual(fixture('deployment-live'));
  });
});

describe('sameObject', () => {
  it('sees no drift in a live object that only gained server state', () => {
    expectSame('deployment-live', 'deployment-desired', true);
  });

  it('sees a hand-made change as drift', () => {
    expectSame('deployment-live-scaled', 'deployment-desired', false);
  });

  it('matches a stringData Secret with the stored one', () => {
    expectSame('secret-stringdata', 'secret-live', true);
  });
});

describe('stableStringify', () => {
  it('gives the same text whatever the key order', () => {
    expect(
      stableStringify({ b: 1, a: { d: [2, { y: 1, x: 0 }], c: 'x' } }),
    ).toBe('{"a":{"c":"x","d":[2,{"x":0,"y":1}]},"b":1}');
  });

  it('leaves out undefined keys and writes undefined array items as null, like JSON.stringify', () => {
    expect(stableStringify({ a: undefined, b: [undefined, 1] })).toBe(
      '{"b":[null,1]}',
    );
    expect(stableStringify({ a: undefined, b: 1 })).toBe(
      stableStringify({ b: 1 }),
    );
  });

  it('tells specs apart that differ in one nested value', () => {
    const desired = fixture('deployment-desired');
    const scaled: any = fixture('deployment-desired');
    scaled.spec.replicas = 3;
    expect(stableStringify(desired)).not.toBe(stableStringify(scaled));
  });
});
