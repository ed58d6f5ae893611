import fs from 'node:fs';
import { runTool } from './runTool';

describe('runTool', () => {
  it('gives a tool a minimal environment and a private HOME, removed afterwards', async () => {
    process.env.MOORING_TEST_BACKEND_SECRET = 'hunter2';
    process.env.AWS_SECRET_ACCESS_KEY = 'aws-secret';
    try {
      const output = await runTool(
        '/bin/sh',
        ['-c', 'env; echo "mode=$(stat -c %a "$HOME")"'],
        { cwd: '/' },
      );
      expect(output).not.toContain('hunter2');
      expect(output).not.toContain('aws-secret');
      expect(output).toMatch(/^KUBECONFIG=\/dev\/null$/m);
      expect(output).toMatch(/^mode=700$/m);
      const names = output
        .split('\n')
        .map(line => /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(line)?.[1])
        .filter(Boolean);
      expect(
        names.filter(n => /^(GITOPS|BACKSTAGE|AWS|MOORING)_/.test(n!)),
      ).toEqual([]);
      const home = /^HOME=(.*)$/m.exec(output)![1];
      expect(fs.existsSync(home)).toBe(false);
    } finally {
      delete process.env.MOORING_TEST_BACKEND_SECRET;
      delete process.env.AWS_SECRET_ACCESS_KEY;
    }
  });

  it('names the limit when a tool prints too much', async () => {
    await expect(
      runTool('/bin/sh', ['-c', 'head -c 100000 /dev/zero'], {
        cwd: '/',
        limits: {
          maxRepositoryBytes: 1,
          maxFiles: 1,
          maxObjects: 1,
          maxRenderMs: 10_000,
          maxManifestBytes: 1000,
        },
      }),
    ).rejects.toThrow(
      /sh printed more than 1000 bytes.*gitops\.limits\.manifestBytes/,
    );
  });
});
