import { builtinResources } from './resources';
import { crdPrinter, humanDuration, toTable, wantsTable } from './table';

const type = (kind: string) => builtinResources().find(t => t.kind === kind)!;
const now = Date.parse('2026-01-01T12:00:00Z');

describe('humanDuration', () => {
  it.each([
    [45_000, '45s'],
    [150_000, '2m30s'],
    [3 * 3600_000, '3h'],
    [(3 * 60 + 5) * 60_000, '3h5m'],
    [30 * 3600_000, '30h'],
    [(2 * 24 + 4) * 3600_000, '2d4h'],
    [400 * 24 * 3600_000, '400d'],
  ])('%d ms is %s', (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });
});

describe('toTable', () => {
  it('prints pods with readiness, the waiting reason and restarts', () => {
    const table = toTable(
      type('Pod'),
      [
        {
          metadata: {
            name: 'web-1',
            creationTimestamp: '2026-01-01T11:59:00Z',
          },
          spec: { containers: [{ name: 'a' }, { name: 'b' }] },
          status: {
            phase: 'Pending',
            podIP: '10.0.0.1',
            containerStatuses: [
              { ready: true, restartCount: 1, state: { running: {} } },
              {
                ready: false,
                restartCount: 2,
                state: { waiting: { reason: 'ImagePullBackOff' } },
              },
            ],
          },
        },
      ],
      { now },
    );
    expect(table.columnDefinitions.map((c: any) => c.name)).toEqual([
      'Name',
      'Ready',
      'Status',
      'Restarts',
      'Age',
      'IP',
      'Node',
    ]);
    expect(table.rows[0].cells).toEqual([
      'web-1',
      '1/2',
      'ImagePullBackOff',
      '3',
      '60s',
      '10.0.0.1',
      '<none>',
    ]);
    expect(table.rows[0].object).toMatchObject({
      kind: 'PartialObjectMetadata',
      metadata: { name: 'web-1' },
    });
  });

  it('prints a LoadBalancer Service waiting for its address', () => {
    const table = toTable(type('Service'), [
      {
        metadata: { name: 'lb' },
        spec: {
          type: 'LoadBalancer',
          clusterIP: '10.96.0.9',
          ports: [{ port: 80, nodePort: 30001, protocol: 'TCP' }],
        },
      },
    ]);
    expect(table.rows[0].cells.slice(0, 5)).toEqual([
      'lb',
      'LoadBalancer',
      '10.96.0.9',
      '<pending>',
      '80:30001/TCP',
    ]);
  });

  it("prints a CRD's additionalPrinterColumns", () => {
    const printer = crdPrinter([
      { name: 'Size', type: 'integer', jsonPath: '.spec.size' },
      { name: 'Phase', type: 'string', jsonPath: '.status.conditions[0].type' },
    ]);
    const table = toTable(
      { ...type('ConfigMap'), custom: true },
      [
        {
          metadata: { name: 'w' },
          spec: { size: 3 },
          status: { conditions: [{ type: 'Ready' }] },
        },
      ],
      { printer },
    );
    expect(table.rows[0].cells).toEqual(['w', 3, 'Ready']);
  });
});

describe('wantsTable', () => {
  it('recognises what kubectl get asks for, and nothing else', () => {
    expect(
      wantsTable(
        'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json',
      ),
    ).toBe(true);
    expect(wantsTable('application/json')).toBe(false);
    expect(
      wantsTable('application/json;as=Table;v=v1beta1;g=meta.k8s.io'),
    ).toBe(false);
  });
});
