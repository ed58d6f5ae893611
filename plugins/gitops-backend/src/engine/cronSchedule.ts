/**
 * Five-field cron schedules (minute hour day-of-month month day-of-week), in
 * UTC, as Argo CD's sync windows write them: `*`, lists, ranges, steps, month
 * and weekday names, and the `@daily`-style shorthands. When both day fields
 * are restricted a day matches either (as cron has always done); when one of
 * them is `*` both must match.
 */
export interface CronSchedule {
  /** The schedule as written. */
  readonly expression: string;
  /** True when the schedule fires in the minute of `at` (UTC). */
  matches(at: Date): boolean;
  /** The first minute the schedule fires at or after `from`, before `until`. */
  next(from: Date, until: Date): Date | undefined;
  /** The last minute the schedule fired at or before `from`, not before `notBefore`. */
  previous(from: Date, notBefore: Date): Date | undefined;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: string[];
}

const FIELDS: FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: 'JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC'.split(' '),
  },
  // 7 is Sunday too, as in every cron.
  {
    name: 'day of week',
    min: 0,
    max: 7,
    names: 'SUN MON TUE WED THU FRI SAT'.split(' '),
  },
];

const SHORTHANDS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** A schedule that cannot be read; the message says which part and why. */
export class CronScheduleError extends Error {}

function parseValue(text: string, field: FieldSpec): number {
  const named = field.names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return field.min + named;
  if (!/^\d+$/.test(text)) {
    throw new CronScheduleError(
      `${field.name} '${text}' is not a number${
        field.names ? ` or a name like ${field.names[0]}` : ''
      }`,
    );
  }
  const value = Number(text);
  if (value < field.min || value > field.max) {
    throw new CronScheduleError(
      `${field.name} ${value} is out of range ${field.min}-${field.max}`,
    );
  }
  return value;
}

/** The values one field allows, and whether it was written as `*` (any). */
function parseField(
  text: string,
  field: FieldSpec,
): { values: Set<number>; any: boolean } {
  const values = new Set<number>();
  let any = false;
  for (const item of text.split(',')) {
    const match = /^([^/]+)(?:\/(\d+))?$/.exec(item);
    if (!match) {
      throw new CronScheduleError(
        `${field.name} '${item}' is not a value, range (1-5), list (1,3) or step (*/15)`,
      );
    }
    const [, range, stepText] = match;
    const step = stepText === undefined ? 1 : Number(stepText);
    if (step < 1) {
      throw new CronScheduleError(`${field.name} step must be at least 1`);
    }
    let low: number;
    let high: number;
    if (range === '*' || range === '?') {
      low = field.min;
      high = field.max;
      if (step === 1) any = true;
    } else if (range.includes('-')) {
      const [from, to, ...rest] = range.split('-');
      if (rest.length) {
        throw new CronScheduleError(
          `${field.name} '${range}' is not a range like 1-5`,
        );
      }
      low = parseValue(from, field);
      high = parseValue(to, field);
      if (low > high) {
        throw new CronScheduleError(
          `${field.name} range ${range} runs backwards`,
        );
      }
    } else {
      low = parseValue(range, field);
      // `5/15` means from 5 to the end in steps of 15.
      high = stepText === undefined ? low : field.max;
    }
    for (let value = low; value <= high; value += step) values.add(value);
  }
  return { values, any };
}

/** Reads a five-field cron schedule; throws a `CronScheduleError` saying what is wrong. */
export function parseCronSchedule(expression: string): CronSchedule {
  const written = expression.trim();
  const fields = (SHORTHANDS[written.toLowerCase()] ?? written).split(/\s+/);
  if (fields.length !== 5) {
    throw new CronScheduleError(
      `it has ${fields.length} field${
        fields.length === 1 ? '' : 's'
      }; a schedule has 5: minute hour day-of-month month day-of-week`,
    );
  }
  const [minutes, hours, days, months, weekdays] = fields.map((text, i) =>
    parseField(text, FIELDS[i]),
  );
  if (weekdays.values.has(7)) weekdays.values.add(0);

  const dayMatches = (at: Date) => {
    const inMonth = days.values.has(at.getUTCDate());
    const inWeek = weekdays.values.has(at.getUTCDay());
    if (days.any || weekdays.any) return inMonth && inWeek;
    return inMonth || inWeek;
  };
  const dateMatches = (at: Date) =>
    months.values.has(at.getUTCMonth() + 1) && dayMatches(at);
  const matches = (at: Date) =>
    dateMatches(at) &&
    hours.values.has(at.getUTCHours()) &&
    minutes.values.has(at.getUTCMinutes());

  const floorMinute = (ms: number) => Math.floor(ms / MINUTE_MS) * MINUTE_MS;
  const startOf = (ms: number, unit: number) => Math.floor(ms / unit) * unit;

  return {
    expression: written,
    matches,
    next(from, until) {
      const end = until.getTime();
      let t = Math.ceil(from.getTime() / MINUTE_MS) * MINUTE_MS;
      while (t < end) {
        const at = new Date(t);
        if (!dateMatches(at)) {
          t = startOf(t, DAY_MS) + DAY_MS;
        } else if (!hours.values.has(at.getUTCHours())) {
          t = startOf(t, HOUR_MS) + HOUR_MS;
        } else if (!minutes.values.has(at.getUTCMinutes())) {
          t += MINUTE_MS;
        } else {
          return at;
        }
      }
      return undefined;
    },
    previous(from, notBefore) {
      const start = notBefore.getTime();
      let t = floorMinute(from.getTime());
      while (t >= start) {
        const at = new Date(t);
        if (!dateMatches(at)) {
          t = startOf(t, DAY_MS) - MINUTE_MS;
        } else if (!hours.values.has(at.getUTCHours())) {
          t = startOf(t, HOUR_MS) - MINUTE_MS;
        } else if (!minutes.values.has(at.getUTCMinutes())) {
          t -= MINUTE_MS;
        } else {
          return at;
        }
      }
      return undefined;
    },
  };
}
