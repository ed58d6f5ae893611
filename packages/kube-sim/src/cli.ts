import { resolve } from 'node:path';
import { startKubeSim, KubeSimOptions } from './kubeSim';

const usage = `Usage: kube-sim serve [--port N] [--kubeconfig FILE] [--controllers] [--latency MS] [--fail-rate R] [--state FILE] [--http]

  --port N           port to listen on (default 6443; 0 picks a free one)
  --kubeconfig FILE  where to write the admin kubeconfig (default ./kube-sim.kubeconfig)
  --controllers      simulate controllers: Deployments roll out, Jobs complete, claims bind
  --latency MS       add this many milliseconds to every request
  --fail-rate R      answer this share (0-1) of requests with 500/503/429 and drop watches
  --state FILE       keep the cluster's objects in FILE across restarts
  --http             serve plain HTTP instead of HTTPS`;

class UsageError extends Error {}

function number(
  flag: string,
  value: string | undefined,
  min: number,
  max: number,
): number {
  const n = Number(value);
  if (
    value === undefined ||
    value === '' ||
    !Number.isFinite(n) ||
    n < min ||
    n > max
  ) {
    throw new UsageError(
      `${flag} needs a number from ${min} to ${max}, got ${
        value === undefined ? 'nothing' : `"${value}"`
      }`,
    );
  }
  return n;
}

/** Parses `serve` flags into options. Exported for tests. */
export function parseServeArgs(
  args: string[],
): KubeSimOptions & { kubeconfig: string } {
  const options: KubeSimOptions & { kubeconfig: string } = {
    port: 6443,
    kubeconfig: resolve('kube-sim.kubeconfig'),
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const [flag, inline] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg, undefined];
    const value = () => inline ?? args[++i];
    switch (flag) {
      case '--port':
        options.port = number('--port', value(), 0, 65535);
        break;
      case '--kubeconfig': {
        const file = value();
        if (!file) throw new UsageError('--kubeconfig needs a file name');
        options.kubeconfig = resolve(file);
        break;
      }
      case '--controllers':
        options.controllers = true;
        break;
      case '--latency':
        options.latencyMs = number('--latency', value(), 0, 600_000);
        break;
      case '--fail-rate':
        options.failRate = number('--fail-rate', value(), 0, 1);
        break;
      case '--state': {
        const file = value();
        if (!file) throw new UsageError('--state needs a file name');
        options.stateFile = resolve(file);
        break;
      }
      case '--http':
        options.https = false;
        break;
      default:
        throw new UsageError(`unknown option "${arg}"`);
    }
  }
  return options;
}

/** The `kube-sim` command line. */
export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${usage}\n`);
    return;
  }
  if (command !== 'serve') {
    process.stderr.write(
      `kube-sim: ${
        command ? `unknown command "${command}"` : 'no command given'
      }\n${usage}\n`,
    );
    process.exitCode = 2;
    return;
  }
  let options;
  try {
    options = parseServeArgs(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`kube-sim: ${e.message}\n${usage}\n`);
      process.exitCode = 2;
      return;
    }
    throw e;
  }
  let sim;
  try {
    sim = await startKubeSim(options);
  } catch (e: any) {
    const hint =
      e?.code === 'EADDRINUSE'
        ? ` (port ${options.port} is taken; pick another with --port)`
        : '';
    process.stderr.write(
      `kube-sim: could not start: ${e?.message ?? e}${hint}\n`,
    );
    process.exitCode = 1;
    return;
  }
  await sim.writeKubeconfig(options.kubeconfig);
  process.stdout.write(`kube-sim listening on ${sim.url}\n`);
  process.stdout.write(
    `kubeconfig written to ${options.kubeconfig} (kubectl --kubeconfig ${options.kubeconfig} get ns)\n`,
  );
  const shutdown = () => {
    sim!.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}
