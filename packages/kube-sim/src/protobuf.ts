/**
 * Reads the Kubernetes protobuf encoding of request bodies. kubectl's typed
 * clients (`kubectl create configmap|secret|namespace|serviceaccount|role|
 * deployment…`, `kubectl run`, `kubectl auth can-i`, `kubectl create token`)
 * send protobuf; kube-sim
 * decodes the kinds those commands send and answers in JSON, which the
 * clients accept. Other kinds get a 415 that says what to do instead.
 *
 * Wire format: the bytes `k8s\0`, then a `runtime.Unknown` message
 * (typeMeta = 1 {apiVersion = 1, kind = 2}, raw = 2, contentEncoding = 3,
 * contentType = 4) whose `raw` is the object's own message.
 */

type FieldType =
  | 'string'
  | 'bytes'
  | 'bool'
  | 'int'
  | 'intOrString'
  /** Known, and dropped on purpose: set by the server (status, selfLink, managedFields). */
  | 'ignore'
  | MessageSchema;

type Field = {
  name: string;
  type: FieldType;
  repeated?: boolean;
  /** map<string, string|bytes> */
  map?: 'string' | 'bytes';
  /**
   * A pointer field in Go (`*bool`, `*string`, `*int32`): sent only when set,
   * so its zero value means something. Other scalars are always sent and their
   * zero value means "unset", as `omitempty` drops it from JSON.
   */
  optional?: true;
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
  8: { name: 'creationTimestamp', type: 'ignore' },
  11: { name: 'labels', type: 'string', map: 'string' },
  12: { name: 'annotations', type: 'string', map: 'string' },
  13: { name: 'ownerReferences', type: ownerReference, repeated: true },
  14: { name: 'finalizers', type: 'string', repeated: true },
  4: { name: 'selfLink', type: 'ignore' },
  9: { name: 'deletionTimestamp', type: 'ignore' },
  10: { name: 'deletionGracePeriodSeconds', type: 'ignore' },
  15: { name: 'clusterName', type: 'ignore' },
  17: { name: 'managedFields', type: 'ignore' },
};

const status = { 3: { name: 'status', type: 'ignore' } } as const;

const servicePort: MessageSchema = {
  1: { name: 'name', type: 'string' },
  2: { name: 'protocol', type: 'string' },
  3: { name: 'port', type: 'int' },
  4: { name: 'targetPort', type: 'intOrString' },
  5: { name: 'nodePort', type: 'int' },
  6: { name: 'appProtocol', type: 'string' },
};

const serviceSpec: MessageSchema = {
  1: { name: 'ports', type: servicePort, repeated: true },
  2: { name: 'selector', type: 'string', map: 'string' },
  3: { name: 'clusterIP', type: 'string' },
  4: { name: 'type', type: 'string' },
  5: { name: 'externalIPs', type: 'string', repeated: true },
  7: { name: 'sessionAffinity', type: 'string' },
  8: { name: 'loadBalancerIP', type: 'string' },
  9: { name: 'loadBalancerSourceRanges', type: 'string', repeated: true },
  10: { name: 'externalName', type: 'string' },
  11: { name: 'externalTrafficPolicy', type: 'string' },
  12: { name: 'healthCheckNodePort', type: 'int' },
  13: { name: 'publishNotReadyAddresses', type: 'bool' },
  17: { name: 'ipFamilyPolicy', type: 'string', optional: true },
  18: { name: 'clusterIPs', type: 'string', repeated: true },
  19: { name: 'ipFamilies', type: 'string', repeated: true },
  20: { name: 'allocateLoadBalancerNodePorts', type: 'bool', optional: true },
  21: { name: 'loadBalancerClass', type: 'string', optional: true },
  22: { name: 'internalTrafficPolicy', type: 'string', optional: true },
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

const labelSelector: MessageSchema = {
  1: { name: 'matchLabels', type: 'string', map: 'string' },
  2: {
    name: 'matchExpressions',
    type: {
      1: { name: 'key', type: 'string' },
      2: { name: 'operator', type: 'string' },
      3: { name: 'values', type: 'string', repeated: true },
    },
    repeated: true,
  },
};

const containerPort: MessageSchema = {
  1: { name: 'name', type: 'string' },
  2: { name: 'hostPort', type: 'int' },
  3: { name: 'containerPort', type: 'int' },
  4: { name: 'protocol', type: 'string' },
  5: { name: 'hostIP', type: 'string' },
};

/**
 * The container fields `kubectl create deployment` and `kubectl run` send.
 * `resources` is read only when empty (its quantities are messages of their own).
 */
const container: MessageSchema = {
  1: { name: 'name', type: 'string' },
  2: { name: 'image', type: 'string' },
  3: { name: 'command', type: 'string', repeated: true },
  4: { name: 'args', type: 'string', repeated: true },
  5: { name: 'workingDir', type: 'string' },
  6: { name: 'ports', type: containerPort, repeated: true },
  7: {
    name: 'env',
    type: {
      1: { name: 'name', type: 'string' },
      2: { name: 'value', type: 'string' },
    },
    repeated: true,
  },
  8: { name: 'resources', type: {} },
  13: { name: 'terminationMessagePath', type: 'string' },
  14: { name: 'imagePullPolicy', type: 'string' },
  16: { name: 'stdin', type: 'bool' },
  17: { name: 'stdinOnce', type: 'bool' },
  18: { name: 'tty', type: 'bool' },
  20: { name: 'terminationMessagePolicy', type: 'string' },
};

/** The pod spec's scalar fields (always on the wire, even when empty) and containers. */
const podSpec: MessageSchema = {
  2: { name: 'containers', type: container, repeated: true },
  3: { name: 'restartPolicy', type: 'string' },
  4: { name: 'terminationGracePeriodSeconds', type: 'int', optional: true },
  5: { name: 'activeDeadlineSeconds', type: 'int', optional: true },
  6: { name: 'dnsPolicy', type: 'string' },
  7: { name: 'nodeSelector', type: 'string', map: 'string' },
  8: { name: 'serviceAccountName', type: 'string' },
  9: { name: 'serviceAccount', type: 'string' },
  10: { name: 'nodeName', type: 'string' },
  11: { name: 'hostNetwork', type: 'bool' },
  12: { name: 'hostPID', type: 'bool' },
  13: { name: 'hostIPC', type: 'bool' },
  16: { name: 'hostname', type: 'string' },
  17: { name: 'subdomain', type: 'string' },
  19: { name: 'schedulerName', type: 'string' },
  20: { name: 'initContainers', type: container, repeated: true },
  21: { name: 'automountServiceAccountToken', type: 'bool', optional: true },
  24: { name: 'priorityClassName', type: 'string' },
  25: { name: 'priority', type: 'int', optional: true },
  27: { name: 'shareProcessNamespace', type: 'bool', optional: true },
  29: { name: 'runtimeClassName', type: 'string', optional: true },
  30: { name: 'enableServiceLinks', type: 'bool', optional: true },
  31: { name: 'preemptionPolicy', type: 'string', optional: true },
  35: { name: 'setHostnameAsFQDN', type: 'bool', optional: true },
  37: { name: 'hostUsers', type: 'bool', optional: true },
};

const podTemplateSpec: MessageSchema = {
  ...meta,
  2: { name: 'spec', type: podSpec },
};

const deploymentSpec: MessageSchema = {
  1: { name: 'replicas', type: 'int', optional: true },
  2: { name: 'selector', type: labelSelector },
  3: { name: 'template', type: podTemplateSpec },
  4: {
    name: 'strategy',
    type: { 1: { name: 'type', type: 'string' } },
  },
  5: { name: 'minReadySeconds', type: 'int' },
  6: { name: 'revisionHistoryLimit', type: 'int', optional: true },
  7: { name: 'paused', type: 'bool' },
  9: { name: 'progressDeadlineSeconds', type: 'int', optional: true },
};

const resourceAttributes: MessageSchema = {
  1: { name: 'namespace', type: 'string' },
  2: { name: 'verb', type: 'string' },
  3: { name: 'group', type: 'string' },
  4: { name: 'version', type: 'string' },
  5: { name: 'resource', type: 'string' },
  6: { name: 'subresource', type: 'string' },
  7: { name: 'name', type: 'string' },
  8: { name: 'fieldSelector', type: 'ignore' },
  9: { name: 'labelSelector', type: 'ignore' },
};

/** Message schemas by `apiVersion/kind`. */
export const schemas: Record<string, MessageSchema> = {
  'v1/ConfigMap': {
    ...meta,
    2: { name: 'data', type: 'string', map: 'string' },
    3: { name: 'binaryData', type: 'string', map: 'bytes' },
    4: { name: 'immutable', type: 'bool', optional: true },
  },
  'v1/Secret': {
    ...meta,
    2: { name: 'data', type: 'string', map: 'bytes' },
    3: { name: 'type', type: 'string' },
    4: { name: 'stringData', type: 'string', map: 'string' },
    5: { name: 'immutable', type: 'bool', optional: true },
  },
  'v1/Service': { ...meta, 2: { name: 'spec', type: serviceSpec }, ...status },
  'v1/Pod': { ...meta, 2: { name: 'spec', type: podSpec }, ...status },
  'apps/v1/Deployment': {
    ...meta,
    2: { name: 'spec', type: deploymentSpec },
    ...status,
  },
  'v1/Namespace': {
    ...meta,
    2: {
      name: 'spec',
      type: { 1: { name: 'finalizers', type: 'string', repeated: true } },
    },
    ...status,
  },
  'v1/ServiceAccount': {
    ...meta,
    2: { name: 'secrets', type: objectReference, repeated: true },
    3: {
      name: 'imagePullSecrets',
      type: { 1: { name: 'name', type: 'string' } },
      repeated: true,
    },
    4: { name: 'automountServiceAccountToken', type: 'bool', optional: true },
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
    ...status,
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
    ...status,
  },
  'authentication.k8s.io/v1/SelfSubjectReview': {
    ...meta,
    2: { name: 'status', type: 'ignore' },
  },
  'authentication.k8s.io/v1/TokenRequest': {
    ...meta,
    ...status,
    2: {
      name: 'spec',
      type: {
        1: { name: 'audiences', type: 'string', repeated: true },
        3: { name: 'boundObjectRef', type: 'ignore' },
        4: { name: 'expirationSeconds', type: 'int', optional: true },
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

function decodeIntOrString(buf: Buffer): number | string {
  let kind = 0;
  let intVal = 0;
  let strVal = '';
  fields(buf, (n, w, r) => {
    if (n === 1 && w === 0) kind = Number(r.varint());
    else if (n === 2 && w === 0) intVal = Number(BigInt.asIntN(64, r.varint()));
    else if (n === 3 && w === 2) strVal = r.bytes().toString('utf8');
    else r.skip(w);
  });
  return kind === 1 ? strVal : intVal;
}

/**
 * Decodes a message by its schema. A field the schema does not know is an
 * error, never silently dropped: the object would lose data.
 */
export function decodeMessage(
  buf: Buffer,
  schema: MessageSchema,
  path = '',
): Record<string, unknown> {
  const out: Record<string, any> = {};
  fields(buf, (number, wireType, r) => {
    const field = schema[number];
    if (!field) {
      throw new ProtobufError(
        `field number ${number}${
          path ? ` in ${path}` : ''
        } is not one kube-sim reads from protobuf`,
      );
    }
    if (field.type === 'ignore') {
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
    const fieldPath = path ? `${path}.${field.name}` : field.name;
    let value: unknown;
    if (field.type === 'string') value = r.bytes().toString('utf8');
    else if (field.type === 'bytes') value = r.bytes().toString('base64');
    else if (field.type === 'bool') value = r.varint() !== 0n;
    else if (field.type === 'int')
      value = Number(BigInt.asIntN(64, r.varint()));
    else if (field.type === 'intOrString') value = decodeIntOrString(r.bytes());
    else value = decodeMessage(r.bytes(), field.type, fieldPath);
    if (field.repeated) {
      out[field.name] = [...(out[field.name] ?? []), value];
    } else if (
      field.optional ||
      (value !== '' && value !== 0 && value !== false)
    ) {
      out[field.name] = value;
    }
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
  try {
    return { apiVersion, kind, ...decodeMessage(raw, schema) };
  } catch (e) {
    if (!(e instanceof ProtobufError)) throw e;
    throw new ProtobufError(
      `${e.message} (a ${kind}); send the object as YAML or JSON instead, for example with kubectl create … --dry-run=client -o yaml | kubectl apply -f -`,
    );
  }
}
