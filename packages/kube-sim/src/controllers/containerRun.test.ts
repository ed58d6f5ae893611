import { containerRun, MAX_SLEEP_SECONDS } from './containerRun';

describe('containerRun', () => {
  it('reads sleep from the command, the args or both', () => {
    expect(containerRun({ command: ['sleep', '3'] })).toEqual({
      known: true,
      durationMs: 3000,
      exitCode: 0,
      output: [],
    });
    expect(containerRun({ command: ['sleep'], args: ['2'] }).durationMs).toBe(
      2000,
    );
    expect(containerRun({ args: ['/bin/sleep', '1.5'] }).durationMs).toBe(1500);
    expect(containerRun({ command: ['sleep', '1m', '30s'] }).durationMs).toBe(
      90_000,
    );
  });

  it('caps sleep at an hour', () => {
    expect(containerRun({ command: ['sleep', '2h'] }).durationMs).toBe(
      MAX_SLEEP_SECONDS * 1000,
    );
    expect(containerRun({ command: ['sleep', 'infinity'] }).durationMs).toBe(
      MAX_SLEEP_SECONDS * 1000,
    );
  });

  it('runs shell scripts: echo lines at their time, sleeps summed, exit codes', () => {
    expect(
      containerRun({
        command: ['/bin/sh', '-c', 'echo "start: now"; sleep 3 && echo done'],
      }),
    ).toEqual({
      known: true,
      durationMs: 3000,
      exitCode: 0,
      output: [
        { atMs: 0, text: 'start: now' },
        { atMs: 3000, text: 'done' },
      ],
    });
    expect(
      containerRun({ command: ['bash', '-ec', "echo 'it broke'\nexit 3"] }),
    ).toEqual({
      known: true,
      exitCode: 3,
      output: [{ atMs: 0, text: 'it broke' }],
    });
    expect(
      containerRun({ command: ['sh', '-c', 'false; echo never'] }).exitCode,
    ).toBe(1);
    expect(containerRun({ command: ['sh', '-c', 'sleep 1; exit 0'] })).toEqual({
      known: true,
      durationMs: 1000,
      exitCode: 0,
      output: [],
    });
  });

  it('knows nothing of other programs, the image entrypoint or malformed sleeps', () => {
    expect(containerRun({})).toEqual({ known: false, exitCode: 0, output: [] });
    expect(containerRun({ command: ['./migrate', '--up'] }).known).toBe(false);
    expect(containerRun({ command: ['sleep', 'soon'] }).known).toBe(false);
    expect(containerRun({ command: ['sh', 'script.sh'] }).known).toBe(false);
    // An unknown program beside a sleep: the sleep still sets the time.
    expect(
      containerRun({ command: ['sh', '-c', './migrate && sleep 2'] }),
    ).toMatchObject({ known: true, durationMs: 2000, exitCode: 0 });
  });
});
