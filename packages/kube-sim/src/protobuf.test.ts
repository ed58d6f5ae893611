import { decodeKubernetesProtobuf, ProtobufError } from './protobuf';

/** A minimal protobuf writer, to build the bodies kubectl's typed clients send. */
function varint(n: number | bigint): Buffer {
  let v = BigInt.asUintN(64, BigInt(n));
  const bytes: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    bytes.push(byte);
  } while (v > 0n);
  return Buffer.from(bytes);
}

const tag = (field: number, wire: number) => varint((field << 3) | wire);
const bytesField = (field: number, value: Buffer | string) => {
  const data = typeof value === 'string' ? Buffer.from(value) : value;
  return Buffer.concat([tag(field, 2), varint(data.length), data]);
};
const intField = (field: number, value: number) =>
  Buffer.concat([tag(field, 0), varint(value)]);
const message = (...parts: Buffer[]) => Buffer.concat(parts);
const mapEntry = (field: number, key: string, value: Buffer | string) =>
  bytesField(field, message(bytesField(1, key), bytesField(2, value)));

function envelope(apiVersion: string, kind: string, raw: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from([0x6b, 0x38, 0x73, 0x00]),
    bytesField(1, message(bytesField(1, apiVersion), bytesField(2, kind))),
    bytesField(2, raw),
    bytesField(4, 'application/vnd.kubernetes.protobuf'),
  ]);
}

const metadata = (name: string) =>
  bytesField(
    1,
    message(
      bytesField(1, name),
      bytesField(3, ''),
      mapEntry(11, 'app', 'web'),
      bytesField(8, message()),
    ),
  );

describe('decodeKubernetesProtobuf', () => {
  it('reads a ConfigMap as kubectl create configmap sends it', () => {
    const body = envelope(
      'v1',
      'ConfigMap',
      message(
        metadata('settings'),
        mapEntry(2, 'mode', 'fast'),
        mapEntry(3, 'blob', Buffer.from([0, 1, 2])),
      ),
    );
    expect(decodeKubernetesProtobuf(body)).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings', labels: { app: 'web' } },
      data: { mode: 'fast' },
      binaryData: { blob: 'AAEC' },
    });
  });

  it('reads Secret bytes as base64 and drops unset scalars as JSON omits them', () => {
    const body = envelope(
      'v1',
      'Secret',
      message(
        metadata('creds'),
        mapEntry(2, 'password', 'hunter2'),
        bytesField(3, ''),
      ),
    );
    expect(decodeKubernetesProtobuf(body)).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'creds', labels: { app: 'web' } },
      data: { password: Buffer.from('hunter2').toString('base64') },
    });
  });

  it('reads a Service with an int-or-string target port', () => {
    const port = (p: number, target: Buffer) =>
      bytesField(
        1,
        message(
          bytesField(1, `p${p}`),
          bytesField(2, 'TCP'),
          intField(3, p),
          bytesField(4, target),
          intField(5, 0),
        ),
      );
    const spec = message(
      port(80, message(intField(1, 0), intField(2, 8080))),
      port(443, message(intField(1, 1), bytesField(3, 'https'))),
      mapEntry(2, 'app', 'web'),
      bytesField(4, 'ClusterIP'),
      bytesField(10, ''),
    );
    const decoded = decodeKubernetesProtobuf(
      envelope('v1', 'Service', message(metadata('web'), bytesField(2, spec))),
    );
    expect(decoded.spec).toEqual({
      ports: [
        { name: 'p80', protocol: 'TCP', port: 80, targetPort: 8080 },
        { name: 'p443', protocol: 'TCP', port: 443, targetPort: 'https' },
      ],
      selector: { app: 'web' },
      type: 'ClusterIP',
    });
  });

  it('reads a SelfSubjectAccessReview', () => {
    const attributes = message(
      bytesField(1, 'team'),
      bytesField(2, 'list'),
      bytesField(5, 'configmaps'),
    );
    const body = envelope(
      'authorization.k8s.io/v1',
      'SelfSubjectAccessReview',
      message(
        bytesField(1, message()),
        bytesField(2, message(bytesField(1, attributes))),
      ),
    );
    expect(decodeKubernetesProtobuf(body).spec).toEqual({
      resourceAttributes: {
        namespace: 'team',
        verb: 'list',
        resource: 'configmaps',
      },
    });
  });

  it('refuses kinds and fields it cannot read, rather than losing data', () => {
    expect(() =>
      decodeKubernetesProtobuf(envelope('batch/v1', 'Job', message())),
    ).toThrow(/this Job came as protobuf/);
    expect(() =>
      decodeKubernetesProtobuf(
        envelope('v1', 'ConfigMap', message(metadata('x'), intField(9, 1))),
      ),
    ).toThrow(/field number 9 is not one kube-sim reads/);
    expect(() =>
      decodeKubernetesProtobuf(Buffer.from('{"kind":"ConfigMap"}')),
    ).toThrow(ProtobufError);
  });
});
