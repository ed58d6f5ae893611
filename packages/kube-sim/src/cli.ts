/** The `kube-sim` command line. */
export async function main(argv: string[]): Promise<void> {
  process.stderr.write(`kube-sim: not built yet (${argv.join(' ')})\n`);
  process.exitCode = 1;
}
