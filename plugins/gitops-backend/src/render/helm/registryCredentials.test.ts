import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  isLoopbackRegistry,
  registryAuths,
  registryHost,
  writeRegistryConfig,
} from './registryCredentials';

describe('registryHost', () => {
  it('is the host and port of an oci:// address', () => {
    expect(registryHost('oci://Registry.example.com:5000/charts')).toBe(
      'registry.example.com:5000',
    );
    expect(registryHost('oci://registry.example.com/charts')).toBe(
      'registry.example.com',
    );
    expect(registryHost('https://charts.example.com')).toBeUndefined();
  });
});

describe('isLoopbackRegistry', () => {
  it.each([
    ['oci://127.0.0.1:5000/charts', true],
    ['oci://localhost/charts', true],
    ['oci://[::1]:5000/charts', true],
    ['oci://registry.example.com/charts', false],
    ['oci://127.0.0.1.example.com/charts', false],
    ['https://127.0.0.1/charts', false],
  ])('%s: %s', (url, loopback) => {
    expect(isLoopbackRegistry(url)).toBe(loopback);
  });
});

describe('registryAuths', () => {
  it('keeps one sign-in per registry host and leaves chart repositories out', () => {
    const auths = registryAuths(
      [
        { url: 'oci://registry.example.com/a', username: 'u', password: 'p' },
        { url: 'oci://registry.example.com/b', username: 'u', password: 'p' },
        { url: 'https://charts.example.com', username: 'h', password: 'q' },
      ],
      'app',
    );
    expect([...auths.keys()]).toEqual(['registry.example.com']);
  });

  it('refuses different credentials for one registry, without showing them', () => {
    const attempt = () =>
      registryAuths(
        [
          {
            url: 'oci://registry.example.com/a',
            username: 'u',
            password: 'p1x',
          },
          {
            url: 'oci://registry.example.com/b',
            username: 'v',
            password: 'p2x',
          },
        ],
        'app',
      );
    expect(attempt).toThrow(
      'app/Chart.yaml: dependencies come from oci://registry.example.com/a and oci://registry.example.com/b, the same OCI registry registry.example.com, but gitops.helm.repositories gives them different credentials',
    );
    expect(attempt).not.toThrow(/p1x|p2x/);
  });
});

describe('writeRegistryConfig', () => {
  it("writes Helm's registry config for the backend's user only", async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-helm-reg-'));
    try {
      const file = path.join(folder, 'config', 'registry', 'config.json');
      await writeRegistryConfig(
        file,
        registryAuths(
          [
            {
              url: 'oci://registry.example.com:5000/charts',
              username: 'u',
              password: 'p:"x',
            },
          ],
          'app',
        ),
      );
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({
        auths: {
          'registry.example.com:5000': {
            auth: Buffer.from('u:p:"x').toString('base64'),
          },
        },
      });
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });
});
