/** The longest `sleep` kube-sim honours, in seconds. */
export const MAX_SLEEP_SECONDS = 3600;

/** A line a container prints, `atMs` after it started. */
export type OutputLine = { atMs: number; text: string };

/**
 * What a container does, read from its `command` and `args` when they are
 * a script kube-sim understands: `sleep N` (suffixes s, m, h, d; several
 * summed; at most an hour), `echo …`, `exit N`, `true`, `false`, in a plain
 * command or a shell's `-c` script (`;`, `&&`, newlines). `known` is false
 * for anything else (the image's own entrypoint, an unknown program).
 */
export type ContainerRun = {
  known: boolean;
  /** How long it runs; `undefined` when nothing in it takes time. */
  durationMs?: number;
  exitCode: number;
  output: OutputLine[];
};

const SHELLS = new Set(['sh', 'bash', 'ash', 'dash', 'zsh', 'ksh']);

const basename = (path: string) => path.slice(path.lastIndexOf('/') + 1);

export function containerRun(container: {
  command?: unknown;
  args?: unknown;
}): ContainerRun {
  const argv = [
    ...(Array.isArray(container.command) ? container.command : []),
    ...(Array.isArray(container.args) ? container.args : []),
  ].map(String);
  if (argv.length === 0) return { known: false, exitCode: 0, output: [] };
  if (SHELLS.has(basename(argv[0]))) {
    const flag = argv.findIndex((a, i) => i > 0 && /^-[a-z]*c[a-z]*$/.test(a));
    if (flag > 0 && argv[flag + 1] !== undefined)
      return runScript(argv[flag + 1]);
    return { known: false, exitCode: 0, output: [] };
  }
  return runStatements([argv]);
}

function runScript(script: string): ContainerRun {
  return runStatements(splitStatements(script).map(tokenize));
}

function runStatements(statements: string[][]): ContainerRun {
  let known = false;
  let atMs = 0;
  let slept = false;
  const output: OutputLine[] = [];
  let exitCode = 0;
  for (const words of statements) {
    if (words.length === 0) continue;
    const [program, ...args] = words;
    const name = basename(program);
    if (name === 'sleep') {
      const seconds = sleepSeconds(args);
      if (seconds === undefined) continue;
      known = true;
      slept = true;
      atMs = Math.min(MAX_SLEEP_SECONDS * 1000, atMs + seconds * 1000);
    } else if (name === 'echo') {
      known = true;
      const text = args[0] === '-n' || args[0] === '-e' ? args.slice(1) : args;
      output.push({ atMs, text: text.join(' ') });
    } else if (name === 'true' || name === ':') {
      known = true;
    } else if (name === 'false') {
      known = true;
      exitCode = 1;
      break;
    } else if (name === 'exit') {
      known = true;
      const code = Number(args[0] ?? 0);
      exitCode = Number.isInteger(code) ? code & 255 : 2;
      break;
    }
  }
  return { known, durationMs: slept ? atMs : undefined, exitCode, output };
}

/** GNU sleep's arguments: NUMBER[smhd], summed; `infinity`. */
function sleepSeconds(args: string[]): number | undefined {
  if (args.length === 0) return undefined;
  let total = 0;
  for (const arg of args) {
    if (arg === 'infinity' || arg === 'inf') return MAX_SLEEP_SECONDS;
    const m = /^(\d+(?:\.\d*)?|\.\d+)([smhd]?)$/.exec(arg);
    if (!m) return undefined;
    const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2]]!;
    total += Number(m[1]) * unit;
  }
  return Math.min(MAX_SLEEP_SECONDS, total);
}

/** Splits a shell script on `;`, `&&`, `||` and newlines outside quotes. */
function splitStatements(script: string): string[] {
  const out: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (let i = 0; i < script.length; i++) {
    const c = script[i];
    if (quote) {
      if (c === quote) quote = undefined;
      current += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      current += c;
    } else if (c === ';' || c === '\n') {
      out.push(current);
      current = '';
    } else if ((c === '&' || c === '|') && script[i + 1] === c) {
      out.push(current);
      current = '';
      i++;
    } else {
      current += c;
    }
  }
  out.push(current);
  return out.map(s => s.trim()).filter(Boolean);
}

/** Words of one statement, quotes removed. */
function tokenize(statement: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let quote: string | undefined;
  for (const c of statement) {
    if (quote) {
      if (c === quote) quote = undefined;
      else current += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += c;
      inWord = true;
    }
  }
  if (inWord) words.push(current);
  return words;
}
