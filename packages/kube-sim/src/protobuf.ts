/**
 * Reads the Kubernetes protobuf encoding of request bodies. kubectl's typed
 * clients (`kubectl create configmap|secret|namespace|serviceaccount|role…`,
 * `kubectl auth can-i`, `kubectl create token`) send protobuf; kube-sim
 * decodes the kinds those commands send and answers in JSON, which the
 * clients accept. Other kinds get a 415 that says what to do instead.
 *
 * Wire format: the bytes `k8s\0`, then a `runtime.Unknown` message
 * (typeMeta = 1 {apiVersion = 1, kind = 2}, raw = 2, contentEncoding = 3,
 * contentType = 4) whose `raw` is the object's own message.
 */

type FieldType = 'string' | 'bytes' | 'bool' | 'int' | 'time' | MessageSchema;

type Field = {
  name: string;
  type: FieldType;
  repeated?: boolean;
  /** map<string, string|bytes> */
  map?: 'string' | 'bytes';
};

export type MessageSchema = { [fieldNumber: number]: Field };

const ownerReference: MessageSchema = {
  1: { name: 'kind', type: 'string' },
  3: { name: 'name', type: 'string' },
  4: { name: 'uid', type: 'string' },
  5: { name: 'apiVersion', type: 'string' },
  6: { name: 'controller', type: 'bool' },
  7: { name: 'blockOwnerDeletion', type: 'bool' },
};

const objectMeta: MessageSchema = {
  1: { name: 'name', type: 'string' },
  2: { name: 'generateName', type: 'string' },
  3: { name: 'namespace', type: 'string' },
  5: { name: 'uid', type: 'string' },
  6: { name: 'resourceVersion', type: 'string' },
  7: { name: 'generation', type: 'int' },
  8: { name: 'creationTimestamp', type: 'time' },
  11: { name: 'labels', type: 'string', map: 'string' },
  12: { name: 'annotations', type: 'string', map: 'string' },
  13: { name: 'ownerReferences', type: ownerReference, repeated: true },
  14: { name: 'finalizers', type: 'string', repeated: true },
};

const policyRule: MessageSchema = {
  1: { name: 'verbs', type: 'string', repeated: true },
  2: { name: 'apiGroups', type: 'string', repeated: true },
  3: { name: 'resources', type: 'string', repeated: true },
  4: { name: 'resourceNames', type: 'string', repeated: true },
  5: { name: 'nonResourceURLs', type: 'string', repeated: true },
};

const subject: MessageSchema = {
  1: { name: 'kind', type: 'string' },
  2: { name: 'apiGroup', type: 'string' },
  3: { name: 'name', type: 'string' },
  4: { name: 'namespace', type: 'string' },
};

const roleRef: MessageSchema = {
  1: { name: 'apiGroup', type: 'string' },
  2: { name: 'kind', type: 'string' },
  3: { name: 'name', type: 'string' },
};

const objectReference: MessageSchema = {
  1: { name: 'kind', type: 'string' },
  2: { name: 'namespace', type: 'string' },
  3: { name: 'name', type: 'string' },
  4: { name: 'uid', type: 'string' },
  5: { name: 'apiVersion', type: 'string' },
};

const meta = { 1: { name: 'metadata', type: objectMeta } } as const;

const resourceAttributes: MessageSchema = {
  1: { name: 'namespace', type: 'string' },
  2: { name: 'verb', type: 'string' },
  3: { name: 'group', type: 'string' },
  4: { name: 'version', type: 'string' },
  5: { name: 'resource', type: 'string' },
  6: { name: 'subresource', type: 'string' },
  7: { name: 'name', type: 'string' },
};

/** Message schemas by `apiVersion/kind`. */
export const schemas: Record<string, MessageSchema> = {
  'v1/ConfigMap': {
    ...meta,
    2: { name: 'data', type: 'string', map: 'string' },
    3: { name: 'binaryData', type: 'string', map: 'bytes' },
    4: { name: 'immutable', type: 'bool' },
  },
  'v1/Secret': {
    ...meta,
    2: { name: 'data', type: 'string', map: 'bytes' },
    3: { name: 'type', type: 'string' },
    4: { name: 'stringData', type: 'string', map: 'string' },
    5: { name: 'immutable', type: 'bool' },
  },
  'v1/Namespace': {
    ...meta,
    2: {
      name: 'spec',
      type: { 1: { name: 'finalizers', type: 'string', repeated: true } },
    },
  },
  'v1/ServiceAccount': {
    ...meta,
    2: { name: 'secrets', type: objectReference, repeated: true },
    3: {
      name: 'imagePullSecrets',
      type: { 1: { name: 'name', type: 'string' } },
      repeated: true,
    },
    4: { name: 'automountServiceAccountToken', type: 'bool' },
  },
  'rbac.authorization.k8s.io/v1/Role': {
    ...meta,
    2: { name: 'rules', type: policyRule, repeated: true },
  },
  'rbac.authorization.k8s.io/v1/ClusterRole': {
    ...meta,
    2: { name: 'rules', type: policyRule, repeated: true },
  },
  'rbac.authorization.k8s.io/v1/RoleBinding': {
    ...meta,
    2: { name: 'subjects', type: subject, repeated: true },
    3: { name: 'roleRef', type: roleRef },
  },
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': {
    ...meta,
    2: { name: 'subjects', type: subject, repeated: true },
    3: { name: 'roleRef', type: roleRef },
  },
  'authorization.k8s.io/v1/SelfSubjectAccessReview': {
    ...meta,
    2: {
      name: 'spec',
      type: {
        1: { name: 'resourceAttributes', type: resourceAttributes },
        2: {
          name: 'nonResourceAttributes',
          type: {
            1: { name: 'path', type: 'string' },
            2: { name: 'verb', type: 'string' },
          },
        },
      },
    },
  },
  'authorization.k8s.io/v1/SelfSubjectRulesReview': {
    ...meta,
    2: { name: 'spec', type: { 1: { name: 'namespace', type: 'string' } } },
  },
  'authentication.k8s.io/v1/SelfSubjectReview': { ...meta },
  'authentication.k8s.io/v1/TokenRequest': {
    ...meta,
    2: {
      name: 'spec',
      type: {
        1: { name: 'audiences', type: 'string', repeated: true },
        4: { name: 'expirationSeconds', type: 'int' },
      },
    },
  },
};

export class ProtobufError extends Error {}

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  done(): boolean {
    return this.pos >= this.buf.length;
  }

  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.buf.length)
        throw new ProtobufError('truncated varint');
      const byte = this.buf[this.pos++];
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 70n) throw new ProtobufError('varint too long');
    }
  }

  bytes(): Buffer {
    const length = Number(this.varint());
    if (this.pos + length > this.buf.length)
      throw new ProtobufError('truncated field');
    const out = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }

  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.pos += 8;
    else if (wireType === 2) this.bytes();
    else if (wireType === 5) this.pos += 4;
    else throw new ProtobufError(`unsupported wire type ${wireType}`);
  }
}

function fields(
  buf: Buffer,
  each: (field: number, wireType: number, reader: Reader) => void,
): void {
  const reader = new Reader(buf);
  while (!reader.done()) {
    const tag = Number(reader.varint());
    each(tag >> 3, tag & 7, reader);
  }
}

function decodeTime(buf: Buffer): string {
  let seconds = 0;
  fields(buf, (field, wireType, r) => {
    if (field === 1 && wireType === 0) seconds = Number(r.varint());
    else r.skip(wireType);
  });
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function decodeMessage(
  buf: Buffer,
  schema: MessageSchema,
): Record<string, unknown> {
  const out: Record<string, any> = {};
  fields(buf, (number, wireType, r) => {
    const field = schema[number];
    if (!field) {
      r.skip(wireType);
      return;
    }
    if (field.map) {
      let key = '';
      let value: string = '';
      fields(r.bytes(), (n, w, entry) => {
        if (n === 1 && w === 2) key = entry.bytes().toString('utf8');
        else if (n === 2 && w === 2) {
          const raw = entry.bytes();
          value =
            field.map === 'bytes'
              ? raw.toString('base64')
              : raw.toString('utf8');
        } else entry.skip(w);
      });
      out[field.name] = { ...out[field.name], [key]: value };
      return;
    }
    let value: unknown;
    if (field.type === 'string') value = r.bytes().toString('utf8');
    else if (field.type === 'bytes') value = r.bytes().toString('base64');
    else if (field.type === 'bool') value = r.varint() !== 0n;
    else if (field.type === 'int') value = Number(r.varint());
    else if (field.type === 'time') value = decodeTime(r.bytes());
    else value = decodeMessage(r.bytes(), field.type);
    if (field.repeated) out[field.name] = [...(out[field.name] ?? []), value];
    else out[field.name] = value;
  });
  return out;
}

/** Decodes a `k8s\0`-framed protobuf body into a JSON object. */
export function decodeKubernetesProtobuf(
  body: Buffer,
): Record<string, unknown> {
  const magic = Buffer.from([0x6b, 0x38, 0x73, 0x00]);
  if (body.length < 4 || !body.subarray(0, 4).equals(magic)) {
    throw new ProtobufError(
      'the body does not start with the Kubernetes protobuf marker',
    );
  }
  let apiVersion = '';
  let kind = '';
  let raw = Buffer.alloc(0);
  fields(body.subarray(4), (n, w, r) => {
    if (n === 1 && w === 2) {
      fields(r.bytes(), (tn, tw, tr) => {
        if (tn === 1 && tw === 2) apiVersion = tr.bytes().toString('utf8');
        else if (tn === 2 && tw === 2) kind = tr.bytes().toString('utf8');
        else tr.skip(tw);
      });
    } else if (n === 2 && w === 2) raw = Buffer.from(r.bytes());
    else r.skip(w);
  });
  const schema = schemas[`${apiVersion}/${kind}`];
  if (!schema) {
    throw new ProtobufError(
      `kube-sim reads protobuf only for ${Object.keys(schemas)
        .map(k => k.split('/').pop())
        .join(', ')}; this ${
        kind || 'object'
      } came as protobuf. Send it as JSON or YAML instead (for example kubectl create … --dry-run=client -o yaml | kubectl apply -f -)`,
    );
  }
  return { apiVersion, kind, ...decodeMessage(raw, schema) };
}
