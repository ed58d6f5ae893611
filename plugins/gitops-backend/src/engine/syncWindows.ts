import {
  Config,
  ConfigReader,
  readDurationFromConfig,
} from '@backstage/config';
import { InputError } from '@backstage/errors';
import { durationToMilliseconds } from '@backstage/types';
import type { JsonObject, JsonValue } from '@backstage/types';
import { minimatch } from 'minimatch';
import {
  CronSchedule,
  CronScheduleError,
  parseCronSchedule,
} from './cronSchedule';

/**
 * One entry of `gitops.syncWindows`: from every minute its schedule fires
 * (UTC), for `duration`, automation is allowed (`allow`) or held (`deny`) for
 * the applications it matches.
 */
export interface SyncWindow {
  name?: string;
  kind: 'allow' | 'deny';
  schedule: CronSchedule;
  durationMs: number;
  /** Globs over cluster names; absent matches every cluster. */
  clusters?: string[];
  /** Globs over application ids and entity refs; absent matches every application. */
  applications?: string[];
  /** People may sync while this window holds automation back. */
  manualSync: boolean;
}

/** What the sync windows let happen to one application now. */
export interface WindowVerdict {
  /** Auto-sync and self-heal may run. */
  automation: boolean;
  /** People may sync (and roll back). */
  manual: boolean;
  /** Why automation (and maybe manual syncs) wait, when they do. */
  reason?: string;
}

/** What a window is matched against. */
export interface WindowSubject {
  id: string;
  entityRef: string;
  cluster: string;
}

const CONFIG_KEY = 'gitops.syncWindows';
const WINDOW_KEYS = [
  'name',
  'kind',
  'schedule',
  'duration',
  'clusters',
  'applications',
  'manualSync',
];
const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
/** How far ahead an end or an opening is looked for. */
const HORIZON_END_MS = 7 * DAY_MS;
const HORIZON_OPEN_MS = 366 * DAY_MS;

const ALWAYS: WindowVerdict = { automation: true, manual: true };

/** Reads `gitops.syncWindows`; throws an `InputError` naming the entry and key that is wrong. */
export function readSyncWindows(config: Config): SyncWindow[] {
  return parseSyncWindows(config.getOptional(CONFIG_KEY));
}

/** Checks and reads sync windows as written in config. */
export function parseSyncWindows(
  value: JsonValue | undefined,
  at = CONFIG_KEY,
): SyncWindow[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    throw new InputError(
      `${at} must be a list of windows, e.g. [{ kind: deny, schedule: '0 22 * * *', duration: 8h }]`,
    );
  }
  return value.map((entry, index) => parseWindow(entry, `${at}[${index}]`));
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseWindow(value: JsonValue, at: string): SyncWindow {
  if (!isObject(value)) {
    throw new InputError(
      `${at} must be an object with kind, schedule and duration`,
    );
  }
  for (const key of Object.keys(value)) {
    if (!WINDOW_KEYS.includes(key)) {
      throw new InputError(
        `${at}.${key} is not a sync window key; a window has ${WINDOW_KEYS.join(
          ', ',
        )}`,
      );
    }
  }
  const { kind, schedule, name, manualSync } = value;
  if (kind !== 'allow' && kind !== 'deny') {
    throw new InputError(
      `${at}.kind must be allow or deny; got ${JSON.stringify(kind ?? null)}`,
    );
  }
  if (typeof schedule !== 'string' || !schedule.trim()) {
    throw new InputError(
      `${at}.schedule must be a cron schedule in UTC, e.g. '0 22 * * *'`,
    );
  }
  let cron: CronSchedule;
  try {
    cron = parseCronSchedule(schedule);
  } catch (error) {
    if (!(error instanceof CronScheduleError)) throw error;
    throw new InputError(
      `${at}.schedule '${schedule}' is not a cron schedule: ${error.message}; write 5 fields in UTC (minute hour day-of-month month day-of-week), e.g. '0 22 * * *'`,
    );
  }
  if (name !== undefined && (typeof name !== 'string' || !name.trim())) {
    throw new InputError(`${at}.name must be a non-empty string`);
  }
  if (manualSync !== undefined && typeof manualSync !== 'boolean') {
    throw new InputError(`${at}.manualSync must be true or false`);
  }
  const window: SyncWindow = {
    kind,
    schedule: cron,
    durationMs: parseDuration(value.duration, `${at}.duration`),
    manualSync: manualSync ?? false,
    ...(name ? { name } : {}),
  };
  const clusters = parseGlobs(value.clusters, `${at}.clusters`, "['prod-*']");
  const applications = parseGlobs(
    value.applications,
    `${at}.applications`,
    "['component:default/payments', 'component~default~ledger~*']",
  );
  if (clusters) window.clusters = clusters;
  if (applications) window.applications = applications;
  return window;
}

function parseDuration(value: JsonValue | undefined, at: string): number {
  const help = `use e.g. '1h', '30m', '1h30m', 'PT8H' or { hours: 8 }`;
  if (value === undefined || value === null) {
    throw new InputError(`${at} is missing; ${help}`);
  }
  let ms: number | undefined;
  // Argo CD writes Go durations such as 1h30m.
  const go = typeof value === 'string' && /^(\d+h)?(\d+m)?$/.exec(value);
  if (go && value) {
    ms = (parseInt(go[1] ?? '0', 10) * 60 + parseInt(go[2] ?? '0', 10)) * 6e4;
  } else {
    try {
      ms = durationToMilliseconds(
        readDurationFromConfig(new ConfigReader({ duration: value }), {
          key: 'duration',
        }),
      );
    } catch {
      ms = undefined;
    }
  }
  if (ms === undefined || !Number.isFinite(ms)) {
    throw new InputError(
      `${at} ${JSON.stringify(value)} is not a duration; ${help}`,
    );
  }
  if (ms < MINUTE_MS) {
    throw new InputError(`${at} must be at least one minute; ${help}`);
  }
  return ms;
}

function parseGlobs(
  value: JsonValue | undefined,
  at: string,
  example: string,
): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    value.some(v => typeof v !== 'string' || !v.trim())
  ) {
    throw new InputError(
      `${at} must be a non-empty list of globs, e.g. ${example}; leave it out to match all`,
    );
  }
  return value as string[];
}

/** Whether a window is about this application (its cluster and its id or entity ref). */
export function windowApplies(
  window: SyncWindow,
  subject: WindowSubject,
): boolean {
  const glob = (value: string, pattern: string) =>
    minimatch(value, pattern, { dot: true, nocase: true });
  return (
    (!window.clusters || window.clusters.some(p => glob(subject.cluster, p))) &&
    (!window.applications ||
      window.applications.some(
        p => glob(subject.id, p) || glob(subject.entityRef, p),
      ))
  );
}

/** "1h30m", "8h", "2d" — a duration as a window's description shows it. */
export function formatDuration(ms: number): string {
  const days = Math.floor(ms / DAY_MS);
  const hours = Math.floor((ms % DAY_MS) / HOUR_MS);
  const minutes = Math.floor((ms % HOUR_MS) / MINUTE_MS);
  const parts = [
    days ? `${days}d` : '',
    hours ? `${hours}h` : '',
    minutes ? `${minutes}m` : '',
  ].join('');
  return parts || '0m';
}

function describe(window: SyncWindow): string {
  return `${window.kind} window${window.name ? ` '${window.name}'` : ''} (${
    window.schedule.expression
  }, ${formatDuration(window.durationMs)})`;
}

/** "06:00 UTC" within a day of `now`, else "2026-12-07 09:00 UTC". */
function formatTime(at: Date, now: Date): string {
  const iso = at.toISOString();
  const time = `${iso.slice(11, 16)} UTC`;
  return at.getTime() - now.getTime() < DAY_MS
    ? time
    : `${iso.slice(0, 10)} ${time}`;
}

/** The start of the window's current opening, when it is open at `now`. */
function openedAt(window: SyncWindow, now: Date): Date | undefined {
  return window.schedule.previous(
    now,
    new Date(now.getTime() - window.durationMs + 1),
  );
}

/**
 * When an open window closes: the end of its latest opening, or of the
 * openings that start before each one ends; undefined when that is beyond
 * a week (a schedule that keeps it open).
 */
function closesAt(
  window: SyncWindow,
  opened: Date,
  now: Date,
): Date | undefined {
  let start = opened.getTime();
  let end = start + window.durationMs;
  const horizon = now.getTime() + HORIZON_END_MS;
  while (end <= horizon) {
    const reopened = window.schedule.previous(
      new Date(end - 1),
      new Date(start + 1),
    );
    if (!reopened) return new Date(end);
    start = reopened.getTime();
    end = start + window.durationMs;
  }
  return undefined;
}

/**
 * What the windows that apply to one application let happen at `now`, as
 * Argo CD decides it: an open deny window holds automation back (and manual
 * syncs, unless every open deny window says `manualSync: true`); deny wins
 * over allow; when allow windows apply, automation runs only while one of
 * them is open (and outside them manual syncs only when one of them says
 * `manualSync: true`). No window that applies: everything may run.
 */
export function windowVerdict(windows: SyncWindow[], now: Date): WindowVerdict {
  const denying = windows
    .filter(w => w.kind === 'deny')
    .map(w => ({ window: w, opened: openedAt(w, now) }))
    .filter(d => d.opened);
  if (denying.length) {
    const reason = denying
      .map(({ window, opened }) => {
        const end = closesAt(window, opened!, now);
        return `${describe(window)} active ${
          end
            ? `until ${formatTime(end, now)}`
            : 'with no end in the next 7 days'
        }`;
      })
      .join('; ');
    return {
      automation: false,
      manual: denying.every(d => d.window.manualSync),
      reason,
    };
  }
  const allows = windows.filter(w => w.kind === 'allow');
  if (!allows.length || allows.some(w => openedAt(w, now))) return ALWAYS;
  const until = new Date(now.getTime() + HORIZON_OPEN_MS);
  const opens = allows
    .map(w => w.schedule.next(now, until)?.getTime())
    .filter((t): t is number => t !== undefined);
  const next = opens.length
    ? `the next opens at ${formatTime(new Date(Math.min(...opens)), now)}`
    : 'none opens within a year';
  return {
    automation: false,
    manual: allows.some(w => w.manualSync),
    reason: `outside ${allows.map(describe).join(' and ')}; ${next}`,
  };
}

/**
 * The configured sync windows, asked per application. Verdicts are kept for
 * the minute (applications matching the same windows share one), so listing
 * a thousand applications does not search schedules a thousand times.
 */
export class SyncWindows {
  private minute = -1;
  private readonly verdicts = new Map<string, WindowVerdict>();

  constructor(readonly windows: SyncWindow[] = []) {}

  verdict(subject: WindowSubject, now = new Date()): WindowVerdict {
    if (!this.windows.length) return ALWAYS;
    const applying = this.windows.filter(w => windowApplies(w, subject));
    if (!applying.length) return ALWAYS;
    const minute = Math.floor(now.getTime() / MINUTE_MS);
    if (minute !== this.minute) {
      this.minute = minute;
      this.verdicts.clear();
    }
    const key = applying.map(w => this.windows.indexOf(w)).join(',');
    let verdict = this.verdicts.get(key);
    if (!verdict) {
      verdict = windowVerdict(applying, now);
      this.verdicts.set(key, verdict);
    }
    return verdict;
  }
}
