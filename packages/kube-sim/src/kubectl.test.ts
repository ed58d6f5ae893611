import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeSim, startKubeSim } from './kubeSim';

jest.setTimeout(120_000);

type Result = { code: number; stdout: string; stderr: string };

/**
 * Drives the real kubectl (from PATH) against kube-sim, with its own
 * kubeconfig, cache and HOME so nothing touches ~/.kube.
 */
class Kubectl {
  constructor(
    private readonly dir: string,
    private readonly kubeconfig: string,
  ) {}

  private env() {
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: this.dir };
    delete env.KUBECONFIG;
    return env;
  }

  private args(args: string[]) {
    return [
      '--kubeconfig',
      this.kubeconfig,
      '--cache-dir',
      join(this.dir, 'cache'),
      ...args,
    ];
  }

  run(args: string[], input?: string): Promise<Result> {
    return new Promise((resolve, reject) => {
      const child = spawn('kubectl', this.args(args), { env: this.env() });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', d => (stdout += d));
      child.stderr.on('data', d => (stderr += d));
      child.on('error', reject);
      child.on('close', code => resolve({ code: code ?? -1, stdout, stderr }));
      child.stdin.end(input ?? '');
    });
  }

  /** Runs and expects success with nothing on stderr (no warnings about discovery or OpenAPI). */
  async ok(args: string[], input?: string): Promise<string> {
    const result = await this.run(args, input);
    if (result.code !== 0 || result.stderr.trim() !== '') {
      throw new Error(
        `kubectl ${args.join(' ')} exited ${result.code}\nstdout: ${
          result.stdout
        }\nstderr: ${result.stderr}`,
      );
    }
    return result.stdout;
  }

  async json(args: string[]): Promise<any> {
    return JSON.parse(await this.ok([...args, '-o', 'json']));
  }

  spawn(args: string[]): ChildProcess {
    return spawn('kubectl', this.args(args), { env: this.env() });
  }
}

async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const start = Date.now();
  while (!(await condition())) {
    if (Date.now() - start > timeoutMs)
      throw new Error('timed out waiting for the condition');
    await new Promise(resolve => setTimeout(resolve, 50));
  }
}

const configMap = (
  name: string,
  data: Record<string, string>,
  extra = '',
) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
${extra}data:
${Object.entries(data)
  .map(([k, v]) => `  ${k}: "${v}"`)
  .join('\n')}
`;

describe('kube-sim with the real kubectl', () => {
  let dir: string;
  let sim: KubeSim;
  let kubectl: Kubectl;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kube-sim-kubectl-'));
    sim = await startKubeSim({ controllers: { delayMs: 50 } });
    const kubeconfig = join(dir, 'kubeconfig');
    await sim.writeKubeconfig(kubeconfig);
    kubectl = new Kubectl(dir, kubeconfig);
  });

  afterAll(async () => {
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates and gets objects, from files and from kubectl create', async () => {
    expect(
      await kubectl.ok(
        ['create', '-f', '-'],
        configMap('from-file', { a: '1' }),
      ),
    ).toBe('configmap/from-file created\n');
    expect(
      await kubectl.ok([
        'create',
        'configmap',
        'from-literal',
        '--from-literal=b=2',
      ]),
    ).toBe('configmap/from-literal created\n');
    const got = await kubectl.json(['get', 'configmap', 'from-literal']);
    expect(got.data).toEqual({ b: '2' });
    expect(got.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(got.metadata.creationTimestamp).toMatch(/Z$/);
    const names = await kubectl.ok(['get', 'configmaps', '-o', 'name']);
    expect(names.split('\n')).toEqual(
      expect.arrayContaining(['configmap/from-file', 'configmap/from-literal']),
    );
    expect(
      await kubectl.ok([
        'create',
        'service',
        'clusterip',
        'web-svc',
        '--tcp=80:8080',
      ]),
    ).toBe('service/web-svc created\n');
    const service = await kubectl.json(['get', 'service', 'web-svc']);
    expect(service.spec).toMatchObject({
      type: 'ClusterIP',
      selector: { app: 'web-svc' },
      ports: [{ name: '80-8080', port: 80, protocol: 'TCP', targetPort: 8080 }],
    });
    expect(service.spec.clusterIP).toMatch(/^10\.96\./);
    // Typed commands that send workloads as protobuf.
    expect(
      await kubectl.ok([
        'create',
        'deployment',
        'typed',
        '--image=nginx:1.27',
        '--replicas=2',
        '--port=8080',
      ]),
    ).toBe('deployment.apps/typed created\n');
    const typed = await kubectl.json(['get', 'deployment', 'typed']);
    expect(typed.spec).toMatchObject({
      replicas: 2,
      selector: { matchLabels: { app: 'typed' } },
      template: {
        metadata: { labels: { app: 'typed' } },
        spec: {
          containers: [
            {
              name: 'nginx',
              image: 'nginx:1.27',
              ports: [{ containerPort: 8080, protocol: 'TCP' }],
            },
          ],
        },
      },
    });
    expect(
      await kubectl.ok([
        'run',
        'debug',
        '--image=busybox:1.36',
        '--',
        'sleep',
        '60',
      ]),
    ).toBe('pod/debug created\n');
    const pod = await kubectl.json(['get', 'pod', 'debug']);
    expect(pod.metadata.labels).toEqual({ run: 'debug' });
    expect(pod.spec.containers[0]).toMatchObject({
      name: 'debug',
      image: 'busybox:1.36',
      args: ['sleep', '60'],
    });

    const again = await kubectl.run(
      ['create', '-f', '-'],
      configMap('from-file', { a: '1' }),
    );
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('configmaps "from-file" already exists');
  });

  it('refuses a nested unknown field as Kubernetes does, explains types, and defaults a created Deployment', async () => {
    const deployment = (
      name: string,
      containerExtra: string,
    ) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  selector:
    matchLabels: { app: ${name} }
  template:
    metadata:
      labels: { app: ${name} }
    spec:
      containers:
        - name: web
          image: nginx:1.27
${containerExtra}`;
    const typo = deployment('typo-web', '          imagePullPolcy: Always\n');

    const serverSide = await kubectl.run(
      ['apply', '--server-side', '-f', '-'],
      typo,
    );
    expect(serverSide.code).not.toBe(0);
    expect(serverSide.stderr).toContain(
      'failed to create typed patch object (default/typo-web; apps/v1, Kind=Deployment): .spec.template.spec.containers[name="web"].imagePullPolcy: field not declared in schema',
    );

    const clientSide = await kubectl.run(['apply', '-f', '-'], typo);
    expect(clientSide.code).not.toBe(0);
    expect(clientSide.stderr).toContain(
      'Error from server (BadRequest): error when creating "STDIN": Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.template.spec.containers[0].imagePullPolcy"',
    );

    const mistyped = await kubectl.run(
      ['apply', '-f', '-'],
      deployment(
        'typo-web',
        '          ports:\n            - containerPort: "80"\n',
      ),
    );
    expect(mistyped.code).not.toBe(0);
    expect(mistyped.stderr).toContain(
      'json: cannot unmarshal string into Go struct field ContainerPort.spec.template.spec.containers.ports.containerPort of type int32',
    );
    expect(
      (await kubectl.run(['get', 'deployment', 'typo-web'])).stderr,
    ).toContain('not found');

    // --validate=warn: created, the field dropped, kubectl prints the server's warning.
    const warned = await kubectl.run(
      ['apply', '--validate=warn', '-f', '-'],
      typo,
    );
    expect(warned.code).toBe(0);
    expect(warned.stderr).toContain(
      'Warning: unknown field "spec.template.spec.containers[0].imagePullPolcy"',
    );
    const stored = await kubectl.json(['get', 'deployment', 'typo-web']);
    expect(stored.spec.template.spec.containers[0]).not.toHaveProperty(
      'imagePullPolcy',
    );

    const replicas = await kubectl.ok(['explain', 'deployment.spec.replicas']);
    expect(replicas).toContain('GROUP:      apps');
    expect(replicas).toContain('KIND:       Deployment');
    expect(replicas).toContain('FIELD: replicas <integer>');
    expect(replicas).toContain('Number of desired pods.');
    const recursive = await kubectl.ok([
      'explain',
      'deployment',
      '--recursive',
    ]);
    expect(recursive).toContain('DeploymentSpec');
    expect(recursive).toMatch(/imagePullPolicy\s+<string>/);
    const containers = await kubectl.ok(['explain', 'pods.spec.containers']);
    expect(containers).toContain('FIELD: containers <[]Container>');

    await kubectl.ok(['create', 'deployment', 'defaulted', '--image=nginx']);
    const created = await kubectl.json(['get', 'deployment', 'defaulted']);
    expect(created.spec).toMatchObject({
      progressDeadlineSeconds: 600,
      replicas: 1,
      revisionHistoryLimit: 10,
      strategy: {
        type: 'RollingUpdate',
        rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' },
      },
      template: {
        spec: {
          containers: [
            {
              name: 'nginx',
              image: 'nginx',
              imagePullPolicy: 'Always',
              resources: {},
              terminationMessagePath: '/dev/termination-log',
              terminationMessagePolicy: 'File',
            },
          ],
          dnsPolicy: 'ClusterFirst',
          restartPolicy: 'Always',
          schedulerName: 'default-scheduler',
          securityContext: {},
          terminationGracePeriodSeconds: 30,
        },
      },
    });
  });

  it('applies server-side by two managers: a conflict, then --force-conflicts', async () => {
    await kubectl.ok(
      ['apply', '--server-side', '--field-manager', 'team-a', '-f', '-'],
      configMap('shared', { key: 'a', other: 'x' }),
    );
    const conflict = await kubectl.run(
      ['apply', '--server-side', '--field-manager', 'team-b', '-f', '-'],
      configMap('shared', { key: 'b' }),
    );
    expect(conflict.code).not.toBe(0);
    expect(conflict.stderr).toContain(
      'Apply failed with 1 conflict: conflict with "team-a" using v1: .data.key',
    );

    expect(
      await kubectl.ok(
        [
          'apply',
          '--server-side',
          '--field-manager',
          'team-b',
          '--force-conflicts',
          '-f',
          '-',
        ],
        configMap('shared', { key: 'b' }),
      ),
    ).toBe('configmap/shared serverside-applied\n');
    const live = await kubectl.json([
      'get',
      'configmap',
      'shared',
      '--show-managed-fields',
    ]);
    expect(live.data).toEqual({ key: 'b', other: 'x' });
    const owners = Object.fromEntries(
      live.metadata.managedFields.map((m: any) => [m.manager, m.fieldsV1]),
    );
    expect(owners).toEqual({
      'team-a': { 'f:data': { 'f:other': {} } },
      'team-b': { 'f:data': { 'f:key': {} } },
    });
  });

  it('removes a field its only manager no longer applies', async () => {
    await kubectl.ok(
      ['apply', '--server-side', '-f', '-'],
      configMap(
        'pruned',
        { keep: '1', drop: '2' },
        '  labels:\n    tier: web\n',
      ),
    );
    await kubectl.ok(
      ['apply', '--server-side', '-f', '-'],
      configMap('pruned', { keep: '1' }),
    );
    const live = await kubectl.json(['get', 'configmap', 'pruned']);
    expect(live.data).toEqual({ keep: '1' });
    expect(live.metadata.labels).toBeUndefined();
  });

  it('shows a real diff with diff --server-side, and none when nothing changes', async () => {
    await kubectl.ok(
      ['apply', '--server-side', '-f', '-'],
      configMap('diffed', { level: 'info' }),
    );
    const same = await kubectl.run(
      ['diff', '--server-side', '-f', '-'],
      configMap('diffed', { level: 'info' }),
    );
    expect(same).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const changed = await kubectl.run(
      ['diff', '--server-side', '-f', '-'],
      configMap('diffed', { level: 'debug' }),
    );
    expect(changed.code).toBe(1);
    expect(changed.stderr).toBe('');
    expect(changed.stdout).toContain('-  level: info');
    expect(changed.stdout).toContain('+  level: debug');
    expect((await kubectl.json(['get', 'configmap', 'diffed'])).data).toEqual({
      level: 'info',
    });
  });

  it('persists nothing on --dry-run=server', async () => {
    expect(
      await kubectl.ok(
        ['apply', '--server-side', '--dry-run=server', '-f', '-'],
        configMap('dry', { a: '1' }),
      ),
    ).toBe('configmap/dry serverside-applied (server dry run)\n');
    expect(
      await kubectl.ok(
        ['create', '--dry-run=server', '-f', '-'],
        configMap('dry', { a: '1' }),
      ),
    ).toBe('configmap/dry created (server dry run)\n');
    const missing = await kubectl.run(['get', 'configmap', 'dry']);
    expect(missing.stderr).toContain('configmaps "dry" not found');
    await kubectl.ok(
      ['apply', '--server-side', '-f', '-'],
      configMap('dry', { a: '1' }),
    );
    const before = await kubectl.json(['get', 'configmap', 'dry']);
    await kubectl.ok(['delete', 'configmap', 'dry', '--dry-run=server']);
    await kubectl.ok(
      ['apply', '--server-side', '--dry-run=server', '-f', '-'],
      configMap('dry', { a: '2' }),
    );
    expect(await kubectl.json(['get', 'configmap', 'dry'])).toEqual(before);
  });

  it('selects by labels', async () => {
    for (const [name, labels] of [
      ['sel-a', 'app: web\n    tier: front'],
      ['sel-b', 'app: web\n    tier: back'],
      ['sel-c', 'app: db'],
    ]) {
      await kubectl.ok(
        ['apply', '--server-side', '-f', '-'],
        configMap(name, { x: '1' }, `  labels:\n    ${labels}\n`),
      );
    }
    const names = async (selector: string) =>
      (await kubectl.ok(['get', 'configmaps', '-l', selector, '-o', 'name']))
        .trim()
        .split('\n')
        .filter(Boolean);
    expect(await names('app=web')).toEqual([
      'configmap/sel-a',
      'configmap/sel-b',
    ]);
    expect(await names('app=web,tier!=front')).toEqual(['configmap/sel-b']);
    expect(await names('tier in (front,back)')).toEqual([
      'configmap/sel-a',
      'configmap/sel-b',
    ]);
    expect(await names('app,!tier')).toEqual(['configmap/sel-c']);
    expect(
      await kubectl.ok(['delete', 'configmaps', '-l', 'app=web']),
    ).toContain('configmap "sel-a" deleted');
    expect(await names('app')).toEqual(['configmap/sel-c']);
  });

  it('sees a new object with get --watch', async () => {
    const watch = kubectl.spawn(['get', 'configmaps', '--watch', '-o', 'name']);
    let output = '';
    let errors = '';
    watch.stdout!.on('data', d => (output += d));
    watch.stderr!.on('data', d => (errors += d));
    try {
      await waitFor(() => output.includes('configmap/from-file'));
      await kubectl.ok([
        'create',
        'configmap',
        'watched-new',
        '--from-literal=a=b',
      ]);
      await waitFor(() => output.includes('configmap/watched-new'));
      expect(errors).toBe('');
    } finally {
      watch.kill();
    }
  });

  it('serves CRDs, namespaced and cluster-scoped, and their custom resources', async () => {
    const crd = (
      plural: string,
      kind: string,
      scope: string,
    ) => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ${plural}.example.com
spec:
  group: example.com
  scope: ${scope}
  names: { plural: ${plural}, singular: ${kind.toLowerCase()}, kind: ${kind}, shortNames: [${plural.slice(
      0,
      3,
    )}] }
  versions:
    - name: v1
      served: true
      storage: true
      subresources: { status: {} }
      schema:
        openAPIV3Schema:
          type: object
          x-kubernetes-preserve-unknown-fields: true
`;
    await kubectl.ok(
      ['apply', '--server-side', '-f', '-'],
      crd('widgets', 'Widget', 'Namespaced'),
    );
    await kubectl.ok(
      ['apply', '--server-side', '-f', '-'],
      crd('realms', 'Realm', 'Cluster'),
    );
    const resources = await kubectl.ok([
      'api-resources',
      '--api-group=example.com',
    ]);
    expect(resources).toMatch(
      /widgets\s+wid\s+example.com\/v1\s+true\s+Widget/,
    );
    expect(resources).toMatch(/realms\s+rea\s+example.com\/v1\s+false\s+Realm/);

    await kubectl.ok(
      ['apply', '--server-side', '-f', '-'],
      'apiVersion: example.com/v1\nkind: Widget\nmetadata: { name: w1 }\nspec: { size: 3 }\n',
    );
    await kubectl.ok(
      ['apply', '--server-side', '-f', '-'],
      'apiVersion: example.com/v1\nkind: Realm\nmetadata: { name: r1 }\nspec: { open: true }\n',
    );
    expect((await kubectl.json(['get', 'wid', 'w1'])).spec).toEqual({
      size: 3,
    });
    expect(
      (await kubectl.json(['get', 'realm', 'r1'])).metadata.namespace,
    ).toBeUndefined();
    // Status is a subresource: the main resource ignores it.
    await kubectl.ok([
      'patch',
      'widget',
      'w1',
      '--type=merge',
      '-p',
      '{"status":{"ready":true}}',
    ]);
    expect(
      (await kubectl.json(['get', 'widget', 'w1'])).status,
    ).toBeUndefined();
    await kubectl.ok([
      'patch',
      'widget',
      'w1',
      '--subresource=status',
      '--type=merge',
      '-p',
      '{"status":{"ready":true}}',
    ]);
    expect((await kubectl.json(['get', 'widget', 'w1'])).status).toEqual({
      ready: true,
    });
    // A spec change bumps generation; a status or label change does not.
    await kubectl.ok(['label', 'widget', 'w1', 'x=y']);
    expect(
      (await kubectl.json(['get', 'widget', 'w1'])).metadata.generation,
    ).toBe(1);
    await kubectl.ok([
      'patch',
      'widget',
      'w1',
      '--type=merge',
      '-p',
      '{"spec":{"size":4}}',
    ]);
    expect(
      (await kubectl.json(['get', 'widget', 'w1'])).metadata.generation,
    ).toBe(2);

    await kubectl.ok(['delete', 'crd', 'widgets.example.com']);
    const gone = await kubectl.run(['get', 'widgets']);
    expect(gone.code).not.toBe(0);
    // kubectl's discovery cache may still name the type; either way the server no longer serves it.
    expect(gone.stderr).toMatch(
      /the server (doesn't have a resource type "widgets"|could not find the requested resource)/,
    );
  });

  it('reports rollout status with controllers, and a failing image as a stalled rollout', async () => {
    const deployment = (name: string, image: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: 2
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec:
      containers:
        - name: main
          image: ${image}
          ports: [{ containerPort: 8080 }]
`;
    await kubectl.ok(
      ['apply', '--server-side', '-f', '-'],
      deployment('web', 'web:1.0'),
    );
    expect(
      await kubectl.ok([
        'rollout',
        'status',
        'deployment/web',
        '--timeout=60s',
      ]),
    ).toContain('deployment "web" successfully rolled out');
    const live = await kubectl.json(['get', 'deployment', 'web']);
    expect(live.status).toMatchObject({
      observedGeneration: 1,
      replicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
      updatedReplicas: 2,
    });
    const pods = await kubectl.json(['get', 'pods', '-l', 'app=web']);
    expect(pods.items.map((p: any) => p.status.phase)).toEqual([
      'Running',
      'Running',
    ]);
    const printed = await kubectl.ok(['get', 'pods', '-l', 'app=web']);
    expect(printed.split('\n')[0]).toMatch(
      /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/,
    );
    expect(printed).toMatch(/web-\S+\s+1\/1\s+Running\s+0\s+\d+s/);

    await kubectl.ok(
      ['apply', '--server-side', '-f', '-'],
      deployment('web', 'web:2.0'),
    );
    expect(
      await kubectl.ok([
        'rollout',
        'status',
        'deployment/web',
        '--timeout=60s',
      ]),
    ).toContain('successfully rolled out');
    const rollout = await kubectl.json(['get', 'deployment', 'web']);
    expect(rollout.metadata.generation).toBe(2);
    expect(rollout.status.observedGeneration).toBe(2);
    const sets = await kubectl.json(['get', 'replicasets', '-l', 'app=web']);
    expect(sets.items.map((rs: any) => rs.spec.replicas).sort()).toEqual([
      0, 2,
    ]);

    await kubectl.ok(
      ['apply', '--server-side', '-f', '-'],
      deployment('broken', 'web:fail'),
    );
    const failed = await kubectl.run([
      'rollout',
      'status',
      'deployment/broken',
      '--timeout=60s',
    ]);
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toContain(
      'deployment "broken" exceeded its progress deadline',
    );
  });

  it('refuses a replace with a stale resourceVersion', async () => {
    await kubectl.ok(
      ['apply', '--server-side', '-f', '-'],
      configMap('versioned', { a: '1' }),
    );
    const stale = await kubectl.json(['get', 'configmap', 'versioned']);
    await kubectl.ok(['label', 'configmap', 'versioned', 'touched=yes']);
    stale.data.a = '2';
    const refused = await kubectl.run(
      ['replace', '-f', '-'],
      JSON.stringify(stale),
    );
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(
      'Operation cannot be fulfilled on configmaps "versioned": the object has been modified; please apply your changes to the latest version and try again',
    );
    const fresh = await kubectl.json(['get', 'configmap', 'versioned']);
    expect(fresh.data.a).toBe('1');
    fresh.data.a = '3';
    expect(
      await kubectl.ok(['replace', '-f', '-'], JSON.stringify(fresh)),
    ).toBe('configmap/versioned replaced\n');
    expect(
      Number(
        (await kubectl.json(['get', 'configmap', 'versioned'])).metadata
          .resourceVersion,
      ),
    ).toBeGreaterThan(Number(fresh.metadata.resourceVersion));
  });

  it('answers auth can-i for a limited token and forbids the rest', async () => {
    await kubectl.ok(['create', 'namespace', 'team']);
    await kubectl.ok(['create', 'serviceaccount', 'deployer', '-n', 'team']);
    await kubectl.ok([
      'create',
      'role',
      'cm-reader',
      '-n',
      'team',
      '--verb=get,list,watch',
      '--resource=configmaps',
    ]);
    await kubectl.ok([
      'create',
      'rolebinding',
      'deployer-reads',
      '-n',
      'team',
      '--role=cm-reader',
      '--serviceaccount=team:deployer',
    ]);
    const token = (
      await kubectl.ok(['create', 'token', 'deployer', '-n', 'team'])
    ).trim();
    sim.addToken('plain-user-token', 'jane');
    const as = (t: string) => ['--token', t];
    expect(
      await kubectl.ok([
        ...as(token),
        'auth',
        'can-i',
        'list',
        'configmaps',
        '-n',
        'team',
      ]),
    ).toBe('yes\n');
    const no = await kubectl.run([
      ...as(token),
      'auth',
      'can-i',
      'delete',
      'configmaps',
      '-n',
      'team',
    ]);
    expect(no).toMatchObject({ code: 1, stdout: 'no\n' });
    expect(
      (
        await kubectl.run([
          ...as(token),
          'auth',
          'can-i',
          'list',
          'configmaps',
          '-n',
          'default',
        ])
      ).stdout,
    ).toBe('no\n');
    expect(
      (
        await kubectl.run([
          ...as('plain-user-token'),
          'auth',
          'can-i',
          'get',
          'pods',
        ])
      ).stdout,
    ).toBe('no\n');

    const forbidden = await kubectl.run([
      ...as(token),
      'get',
      'secrets',
      '-n',
      'team',
    ]);
    expect(forbidden.code).not.toBe(0);
    expect(forbidden.stderr).toContain(
      'secrets is forbidden: User "system:serviceaccount:team:deployer" cannot list resource "secrets" in API group "" in the namespace "team"',
    );
    expect(
      await kubectl.ok([
        ...as(token),
        'get',
        'configmaps',
        '-n',
        'team',
        '-o',
        'name',
      ]),
    ).toContain('configmap/kube-root-ca.crt');
    const bad = await kubectl.run([...as('not-a-token'), 'get', 'configmaps']);
    expect(bad.stderr).toContain('Unauthorized');

    // A request for one Namespace is in that namespace: a RoleBinding there
    // may grant reading it, and grants nothing about any other.
    await kubectl.ok([
      'create',
      'role',
      'ns-reader',
      '-n',
      'team',
      '--verb=get',
      '--resource=namespaces',
    ]);
    await kubectl.ok([
      'create',
      'rolebinding',
      'deployer-sees-team',
      '-n',
      'team',
      '--role=ns-reader',
      '--serviceaccount=team:deployer',
    ]);
    expect(
      await kubectl.ok([
        ...as(token),
        'get',
        'namespace',
        'team',
        '-o',
        'name',
      ]),
    ).toBe('namespace/team\n');
    const other = await kubectl.run([
      ...as(token),
      'get',
      'namespace',
      'default',
    ]);
    expect(other.stderr).toContain(
      'namespaces "default" is forbidden: User "system:serviceaccount:team:deployer" cannot get resource "namespaces" in API group "" in the namespace "default"',
    );
  });

  it('deletes what a namespace holds with it, and collects garbage by ownerReferences', async () => {
    await kubectl.ok(['create', 'namespace', 'doomed']);
    await kubectl.ok(
      ['apply', '--server-side', '-n', 'doomed', '-f', '-'],
      configMap('inside', { a: '1' }),
    );
    const owner = await kubectl.json([
      'get',
      'configmap',
      'inside',
      '-n',
      'doomed',
    ]);
    await kubectl.ok(
      ['apply', '--server-side', '-n', 'doomed', '-f', '-'],
      configMap(
        'dependent',
        { b: '2' },
        `  ownerReferences:\n    - { apiVersion: v1, kind: ConfigMap, name: inside, uid: ${owner.metadata.uid} }\n`,
      ),
    );
    await kubectl.ok(['delete', 'configmap', 'inside', '-n', 'doomed']);
    await waitFor(
      async () =>
        (
          await kubectl.run(['get', 'configmap', 'dependent', '-n', 'doomed'])
        ).code !== 0,
    );

    await kubectl.ok(
      ['apply', '--server-side', '-n', 'doomed', '-f', '-'],
      configMap('leftover', { a: '1' }),
    );
    expect(await kubectl.ok(['delete', 'namespace', 'doomed'])).toBe(
      'namespace "doomed" deleted\n',
    );
    expect(
      (await kubectl.run(['get', 'namespace', 'doomed'])).stderr,
    ).toContain('namespaces "doomed" not found');
    const recreated = await kubectl.run([
      'get',
      'configmaps',
      '-n',
      'doomed',
      '-o',
      'name',
    ]);
    expect(recreated.stdout).toBe('');
  });
  const deployment = (
    name: string,
    image: string,
    replicas = 1,
    containers = '',
  ) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: ${replicas}
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec:
      containers:
        - name: ${name}
          image: ${image}
          ports: [{ containerPort: 8080 }]
${containers}`;

  it('creates a hook Job from generateName, waits for it with kubectl wait, reads its logs and deletes its pods with it', async () => {
    await kubectl.ok(['create', 'namespace', 'hooks']);
    const created = await kubectl.ok(
      ['create', '-n', 'hooks', '-f', '-'],
      `apiVersion: batch/v1
kind: Job
metadata:
  generateName: migrate-
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: migrate
          image: registry.example.com/migrations:1.4.0
          command: ["/bin/sh", "-c", "echo migrating; sleep 2; echo migrated"]
`,
    );
    const name = /^job\.batch\/(migrate-[a-z0-9]{5}) created\n$/.exec(
      created,
    )?.[1];
    expect(name).toBeDefined();
    const started = Date.now();
    expect(
      await kubectl.ok([
        'wait',
        '-n',
        'hooks',
        '--for=condition=complete',
        `job/${name}`,
        '--timeout=60s',
      ]),
    ).toBe(`job.batch/${name} condition met\n`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    const job = await kubectl.json(['get', '-n', 'hooks', 'job', name!]);
    expect(job.status).toMatchObject({ succeeded: 1 });
    expect(job.status.completionTime).toMatch(/Z$/);
    expect(
      job.status.conditions.find((c: any) => c.type === 'Complete'),
    ).toMatchObject({ status: 'True', reason: 'CompletionsReached' });
    expect(await kubectl.ok(['logs', '-n', 'hooks', `job/${name}`])).toBe(
      'migrating\nmigrated\n',
    );
    const printed = await kubectl.ok(['get', '-n', 'hooks', 'jobs']);
    expect(printed).toMatch(new RegExp(`${name}\\s+Complete\\s+1/1`));

    await kubectl.ok(['delete', '-n', 'hooks', 'job', name!]);
    await waitFor(
      async () =>
        (
          await kubectl.ok([
            'get',
            'pods',
            '-n',
            'hooks',
            '-l',
            `job-name=${name}`,
            '-o',
            'name',
          ])
        ).trim() === '',
    );
  });

  it("shows the controllers' events: get events, field selectors, describe deploy and describe pod", async () => {
    await kubectl.ok(['create', 'namespace', 'billing']);
    await kubectl.ok(
      ['apply', '--server-side', '-n', 'billing', '-f', '-'],
      deployment('billing-worker', 'registry.example.com/billing-worker:fail'),
    );
    const pods = async () =>
      (
        await kubectl.json([
          'get',
          'pods',
          '-n',
          'billing',
          '-l',
          'app=billing-worker',
        ])
      ).items;
    await waitFor(async () =>
      (await pods()).some((p: any) => p.status?.containerStatuses),
    );
    const pod = (await pods())[0].metadata.name;
    const image = 'registry.example.com/billing-worker:fail';
    const pullFailed = `Failed to pull image "${image}": rpc error: code = NotFound desc = failed to pull and unpack image "${image}": failed to resolve reference "${image}": ${image}: not found`;

    const all = await kubectl.ok(['get', 'events', '-n', 'billing']);
    const lines = all.trim().split('\n');
    expect(lines[0]).toMatch(/^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/);
    for (const expected of [
      /\d+s\s+Normal\s+ScalingReplicaSet\s+deployment\/billing-worker\s+Scaled up replica set billing-worker-\w+ from 0 to 1/,
      /\d+s\s+Normal\s+SuccessfulCreate\s+replicaset\/billing-worker-\w+\s+Created pod: billing-worker-\w+-\w+/,
      new RegExp(
        `\\d+s\\s+Normal\\s+Scheduled\\s+pod/${pod}\\s+Successfully assigned billing/${pod} to kube-sim`,
      ),
      new RegExp(`Normal\\s+Pulling\\s+pod/${pod}\\s+Pulling image "${image}"`),
      new RegExp(`Warning\\s+Failed\\s+pod/${pod}\\s+Failed to pull image`),
      new RegExp(`Warning\\s+Failed\\s+pod/${pod}\\s+Error: ErrImagePull`),
      new RegExp(
        `Normal\\s+BackOff\\s+pod/${pod}\\s+Back-off pulling image "${image}"`,
      ),
      new RegExp(`Warning\\s+Failed\\s+pod/${pod}\\s+Error: ImagePullBackOff`),
    ]) {
      expect(lines.some(line => expected.test(line))).toBe(true);
    }

    const forPod = await kubectl.json([
      'get',
      'events',
      '-n',
      'billing',
      '--field-selector',
      `involvedObject.name=${pod}`,
    ]);
    expect(forPod.items.every((e: any) => e.involvedObject.name === pod)).toBe(
      true,
    );
    const failure = forPod.items.find((e: any) => e.message === pullFailed);
    expect(failure).toMatchObject({
      type: 'Warning',
      reason: 'Failed',
      source: { component: 'kubelet', host: 'kube-sim' },
      involvedObject: {
        kind: 'Pod',
        namespace: 'billing',
        apiVersion: 'v1',
        fieldPath: 'spec.containers{billing-worker}',
      },
    });
    expect(failure.count).toBeGreaterThanOrEqual(1);
    const warnings = await kubectl.json([
      'get',
      'events',
      '-n',
      'billing',
      '--field-selector',
      'type=Warning,involvedObject.kind=Pod',
    ]);
    expect(warnings.items.map((e: any) => e.reason)).toEqual(
      warnings.items.map(() => 'Failed'),
    );
    // The same events through events.k8s.io/v1.
    const v1 = await kubectl.json([
      'get',
      'events.v1.events.k8s.io',
      '-n',
      'billing',
      '--field-selector',
      'reason=ScalingReplicaSet',
    ]);
    expect(v1.items).toHaveLength(1);
    expect(v1.items[0]).toMatchObject({
      apiVersion: 'events.k8s.io/v1',
      regarding: { kind: 'Deployment', name: 'billing-worker' },
      reportingController: 'deployment-controller',
      deprecatedSource: { component: 'deployment-controller' },
    });

    // A retried pull counts on the same events (the back-off is 1 s here).
    await waitFor(async () => {
      const events = await kubectl.json([
        'get',
        'events',
        '-n',
        'billing',
        '--field-selector',
        `involvedObject.name=${pod},reason=BackOff`,
      ]);
      return events.items[0]?.count >= 2;
    });

    const deploy = await kubectl.ok([
      'describe',
      'deploy/billing-worker',
      '-n',
      'billing',
    ]);
    expect(deploy).toMatch(/Progressing\s+False\s+ProgressDeadlineExceeded/);
    expect(deploy).toMatch(
      /Events:\n\s+Type\s+Reason\s+Age\s+From\s+Message\n.*\n\s+Normal\s+ScalingReplicaSet\s+\d+s\s+deployment-controller\s+Scaled up replica set billing-worker-\w+ from 0 to 1/,
    );
    const described = await kubectl.ok([
      'describe',
      'pod',
      pod,
      '-n',
      'billing',
    ]);
    expect(described).toMatch(/Node:\s+kube-sim\/172\.18\.0\.2/);
    expect(described).toMatch(/Reason:\s+ImagePullBackOff/);
    expect(described).toMatch(
      new RegExp(
        `Normal\\s+Scheduled\\s+\\d+s\\s+default-scheduler\\s+Successfully assigned billing/${pod} to kube-sim`,
      ),
    );
    expect(described).toMatch(
      /Normal\s+BackOff\s+\d+s \(x\d+ over \d+s\)\s+kubelet\s+Back-off pulling image/,
    );
    expect(described).toContain(pullFailed);
    // kubectl events sorts them and names the object.
    const sorted = await kubectl.ok([
      'events',
      '-n',
      'billing',
      '--for',
      `pod/${pod}`,
      '--types',
      'Warning',
    ]);
    expect(sorted).toMatch(
      /Warning\s+Failed\s+Pod\/\S+\s+Error: ImagePullBackOff/,
    );
    expect(sorted).not.toContain('Scheduled');
  });

  it('serves logs: kubectl logs deploy/x, -c with --tail and --since, errors, and -f until the pod goes away', async () => {
    await kubectl.ok(['create', 'namespace', 'payments']);
    await kubectl.ok(
      ['apply', '--server-side', '-n', 'payments', '-f', '-'],
      deployment(
        'payments',
        'registry.example.com/payments:2.3.1',
        2,
        `        - name: proxy
          image: envoyproxy/envoy:v1.31.0
`,
      ),
    );
    await kubectl.ok([
      'rollout',
      'status',
      '-n',
      'payments',
      'deploy/payments',
      '--timeout=60s',
    ]);
    const fromDeploy = await kubectl.run([
      'logs',
      'deploy/payments',
      '-n',
      'payments',
    ]);
    expect(fromDeploy.code).toBe(0);
    expect(fromDeploy.stderr).toMatch(
      /Found 2 pods, using pod\/payments-\w+-\w+|Defaulted container "payments" out of: payments, proxy/,
    );
    const pod =
      /pod\/(payments-\w+-\w+)/.exec(fromDeploy.stderr)?.[1] ??
      (await kubectl.json(['get', 'pods', '-n', 'payments'])).items[0].metadata
        .name;
    expect(fromDeploy.stdout.split('\n').slice(0, 4)).toEqual([
      'INFO starting payments 2.3.1 (image registry.example.com/payments:2.3.1)',
      expect.stringMatching(
        /^INFO pod payments\/payments-\w+-\w+, node kube-sim$/,
      ),
      'INFO listening on :8080',
      'INFO ready',
    ]);

    // Heartbeats come every second here (controllers at 50 ms).
    await new Promise(resolve => setTimeout(resolve, 2500));
    const tail = await kubectl.ok([
      'logs',
      `pod/${pod}`,
      '-n',
      'payments',
      '-c',
      'proxy',
      '--tail=2',
      '--timestamps',
    ]);
    const tailLines = tail.trim().split('\n');
    expect(tailLines).toHaveLength(2);
    for (const line of tailLines)
      expect(line).toMatch(
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z INFO heartbeat \d+: idle$|^\d{4}-.* INFO (ready|listening on :\d+)$/,
      );
    const recent = await kubectl.ok([
      'logs',
      pod,
      '-n',
      'payments',
      '-c',
      'payments',
      '--since=2s',
    ]);
    expect(recent).not.toContain('INFO starting');
    expect(recent).toMatch(/^(INFO GET \/healthz 200 \(check \d+\)\n){1,3}$/);

    const wrong = await kubectl.run([
      'logs',
      pod,
      '-n',
      'payments',
      '-c',
      'nope',
    ]);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain(
      `container nope is not valid for pod ${pod}`,
    );
    const previous = await kubectl.run([
      'logs',
      pod,
      '-n',
      'payments',
      '-c',
      'payments',
      '--previous',
    ]);
    expect(previous.stderr).toContain(
      `previous terminated container "payments" in pod "${pod}" not found`,
    );
    const missing = await kubectl.run([
      'logs',
      'nothing-here',
      '-n',
      'payments',
    ]);
    expect(missing.stderr).toContain('pods "nothing-here" not found');

    const follow = kubectl.spawn([
      'logs',
      '-f',
      pod,
      '-n',
      'payments',
      '-c',
      'payments',
      '--tail=1',
    ]);
    let streamed = '';
    follow.stdout!.on('data', d => (streamed += d));
    const exited = new Promise<number | null>(resolve =>
      follow.on('exit', code => resolve(code)),
    );
    await waitFor(
      () => streamed.split('\n').filter(Boolean).length >= 3,
      20_000,
    );
    const beats = streamed
      .split('\n')
      .filter(Boolean)
      .map(line => Number(/check (\d+)/.exec(line)?.[1]));
    expect(beats.slice(1)).toEqual(
      [beats[0] + 1, beats[0] + 2].slice(0, beats.length - 1),
    );
    await kubectl.ok(['delete', 'pod', pod, '-n', 'payments', '--wait=false']);
    expect(await exited).toBe(0);
  });

  it('restarts Deployments, StatefulSets and DaemonSets with rollout restart, and scales them', async () => {
    await kubectl.ok(['create', 'namespace', 'ops']);
    await kubectl.ok(
      ['apply', '--server-side', '-n', 'ops', '-f', '-'],
      `${deployment('api', 'api:1.0', 2)}---
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: db }
spec:
  replicas: 2
  serviceName: db
  selector: { matchLabels: { app: db } }
  template:
    metadata: { labels: { app: db } }
    spec:
      containers: [{ name: db, image: 'postgres:16.4' }]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: { name: agent }
spec:
  selector: { matchLabels: { app: agent } }
  template:
    metadata: { labels: { app: agent } }
    spec:
      containers: [{ name: agent, image: 'agent:2' }]
`,
    );
    const status = (what: string) =>
      kubectl.ok(['rollout', 'status', '-n', 'ops', what, '--timeout=60s']);
    for (const what of ['deploy/api', 'sts/db', 'ds/agent']) await status(what);
    const podNames = async (app: string): Promise<string[]> =>
      (
        await kubectl.json(['get', 'pods', '-n', 'ops', '-l', `app=${app}`])
      ).items
        .map((p: any) => `${p.metadata.name}/${p.metadata.uid}`)
        .sort();
    const before = {
      api: await podNames('api'),
      db: await podNames('db'),
      agent: await podNames('agent'),
    };

    expect(
      await kubectl.ok(['rollout', 'restart', '-n', 'ops', 'deploy/api']),
    ).toBe('deployment.apps/api restarted\n');
    expect(await status('deploy/api')).toContain(
      'deployment "api" successfully rolled out',
    );
    const sets = await kubectl.json([
      'get',
      'rs',
      '-n',
      'ops',
      '-l',
      'app=api',
    ]);
    expect(sets.items.map((rs: any) => rs.spec.replicas).sort()).toEqual([
      0, 2,
    ]);
    const live = await kubectl.json(['get', 'deploy', 'api', '-n', 'ops']);
    expect(
      live.spec.template.metadata.annotations[
        'kubectl.kubernetes.io/restartedAt'
      ],
    ).toBeDefined();
    await waitFor(async () => (await podNames('api')).length === 2);
    const after = await podNames('api');
    expect(after.filter(p => before.api.includes(p))).toEqual([]);

    await kubectl.ok(['rollout', 'restart', '-n', 'ops', 'sts/db']);
    await waitFor(async () => {
      const sts = await kubectl.json(['get', 'sts', 'db', '-n', 'ops']);
      return (
        sts.status.currentRevision === sts.status.updateRevision &&
        sts.status.readyReplicas === 2 &&
        sts.status.observedGeneration === sts.metadata.generation
      );
    });
    expect(await status('sts/db')).toMatch(/roll(ing update| out) complete/);
    const db = await podNames('db');
    expect(db.map(p => p.split('/')[0])).toEqual(['db-0', 'db-1']);
    expect(db.filter(p => before.db.includes(p))).toEqual([]);

    await kubectl.ok(['rollout', 'restart', '-n', 'ops', 'ds/agent']);
    expect(await status('ds/agent')).toContain(
      'daemon set "agent" successfully rolled out',
    );
    await waitFor(async () => {
      const agent = await podNames('agent');
      return agent.length === 1 && !before.agent.includes(agent[0]);
    });

    expect(
      await kubectl.ok(['scale', '-n', 'ops', 'deploy/api', '--replicas=3']),
    ).toBe('deployment.apps/api scaled\n');
    await status('deploy/api');
    await waitFor(async () => (await podNames('api')).length === 3);
    expect(
      await kubectl.ok(['scale', '-n', 'ops', 'sts/db', '--replicas=1']),
    ).toBe('statefulset.apps/db scaled\n');
    await waitFor(async () => (await podNames('db')).length === 1);
    const rs = sets.items.find((r: any) => r.spec.replicas === 0).metadata.name;
    expect(
      await kubectl.ok([
        'scale',
        '-n',
        'ops',
        `rs/${rs}`,
        '--replicas=1',
        '--current-replicas=0',
      ]),
    ).toBe(`replicaset.apps/${rs} scaled\n`);
    const stale = await kubectl.run([
      'scale',
      '-n',
      'ops',
      'deploy/api',
      '--replicas=1',
      '--current-replicas=7',
    ]);
    expect(stale.stderr).toContain('Expected replicas to be 7, was 3');
    const events = await kubectl.ok([
      'get',
      'events',
      '-n',
      'ops',
      '--field-selector',
      'involvedObject.name=api,reason=ScalingReplicaSet',
    ]);
    expect(events).toMatch(/Scaled up replica set api-\w+ from 2 to 3/);
  });
  it('takes the orders example as Kubernetes would: every manifest, and its PreSync migration Job runs its 3 seconds', async () => {
    const folder = join(
      __dirname,
      '..',
      '..',
      '..',
      'examples',
      'repos',
      'orders',
    );
    const file = (name: string) => join(folder, name);
    await kubectl.ok(['apply', '-f', file('namespace.yaml')]);
    for (const name of readdirSync(folder).sort()) {
      if (name === 'namespace.yaml' || name === 'migrate-job.yaml') continue;
      const applied = await kubectl.ok([
        'apply',
        '--server-side',
        '--dry-run=server',
        '-n',
        'orders',
        '-f',
        file(name),
      ]);
      expect(applied).toMatch(/serverside-applied \(server dry run\)/);
    }
    const created = await kubectl.ok([
      'create',
      '-n',
      'orders',
      '-f',
      file('migrate-job.yaml'),
    ]);
    const job = /^job\.batch\/(orders-migrate-[a-z0-9]{5}) created\n$/.exec(
      created,
    )?.[1];
    expect(job).toBeDefined();
    const started = Date.now();
    await kubectl.ok([
      'wait',
      '-n',
      'orders',
      '--for=condition=complete',
      `job/${job}`,
      '--timeout=60s',
    ]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2900);
  });
});

describe('kube-sim serve (the command line)', () => {
  it('prints its address, writes a kubeconfig kubectl can use, and keeps state across restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kube-sim-cli-'));
    const kubeconfig = join(dir, 'kubeconfig');
    const state = join(dir, 'state.json');
    const kubectl = new Kubectl(dir, kubeconfig);
    const serve = async () => {
      const child = spawn(
        process.execPath,
        [
          join(__dirname, '..', 'bin', 'kube-sim'),
          'serve',
          '--port',
          '0',
          '--kubeconfig',
          kubeconfig,
          '--state',
          state,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      child.stdout!.on('data', d => (out += d));
      await waitFor(() => out.includes('\n'), 60_000);
      return { child, out };
    };
    const stop = (child: ChildProcess) =>
      new Promise<void>(resolve => {
        child.on('exit', () => resolve());
        child.kill('SIGTERM');
      });
    try {
      const first = await serve();
      expect(first.out).toMatch(
        /^kube-sim listening on https:\/\/127\.0\.0\.1:\d+\n/,
      );
      await kubectl.ok([
        'create',
        'configmap',
        'survivor',
        '--from-literal=a=b',
      ]);
      await stop(first.child);

      const second = await serve();
      expect(
        await kubectl.ok([
          'get',
          'configmap',
          'survivor',
          '-o',
          'jsonpath={.data.a}',
        ]),
      ).toBe('b');
      await stop(second.child);
      writeFileSync(join(dir, 'done'), '');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
