/*
 * Counts the processes this process starts, by command (`git ls-remote`,
 * `tar`, ...), so a benchmark can say what its phases cost beyond API calls.
 * Imported before anything that starts processes: modules that keep their
 * own reference to `spawn` are counted too.
 */
import childProcess from 'node:child_process';

const counts = new Map<string, number>();
const originalSpawn = childProcess.spawn;

function commandOf(file: string, args: readonly string[] | undefined) {
  const name = file.split('/').pop() ?? file;
  const sub = name === 'git' ? args?.find(a => !a.startsWith('-')) : undefined;
  return sub ? `${name} ${sub}` : name;
}

(childProcess as any).spawn = function countedSpawn(
  this: unknown,
  file: string,
  args?: readonly string[],
  ...rest: unknown[]
) {
  const key = commandOf(file, Array.isArray(args) ? args : undefined);
  counts.set(key, (counts.get(key) ?? 0) + 1);
  return (originalSpawn as any).call(this, file, args, ...rest);
};

/** Processes started so far, by command. */
export function processCounts(): Record<string, number> {
  return Object.fromEntries(counts);
}
