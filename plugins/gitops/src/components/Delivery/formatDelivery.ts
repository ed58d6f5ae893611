/** A duration for people: seconds, minutes, hours or days, whichever reads best. */
export function formatDuration(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  const minutes = seconds / 60;
  if (minutes < 90) return `${Math.round(minutes)} min`;
  const hours = minutes / 60;
  if (hours < 48) return `${roundTo(hours, hours < 10 ? 1 : 0)} h`;
  const days = hours / 24;
  return `${roundTo(days, days < 10 ? 1 : 0)} days`;
}

function roundTo(value: number, digits: number): string {
  return value.toFixed(digits).replace(/\.0$/, '');
}

/** The unit a series of durations (seconds) is drawn in, by its largest value. */
export function durationUnit(maxSeconds: number): {
  label: string;
  seconds: number;
} {
  if (maxSeconds < 2 * 3600) return { label: 'minutes', seconds: 60 };
  if (maxSeconds < 3 * 86_400) return { label: 'hours', seconds: 3600 };
  return { label: 'days', seconds: 86_400 };
}

/** A rate from 0 to 1 as a percentage, e.g. `33%`. */
export function formatPercent(rate: number): string {
  return `${Math.round(rate * 100)}%`;
}

/** Deployments per day, per week when fewer than one a day. */
export function formatFrequency(perDay: number): string {
  if (perDay === 0) return 'none';
  if (perDay >= 1) return `${roundTo(perDay, perDay < 10 ? 1 : 0)} per day`;
  return `${roundTo(perDay * 7, 1)} per week`;
}

/** A UTC day (`2026-11-30`) as a short label, e.g. `Nov 30`. */
export function dayLabel(date: string): string {
  return new Date(`${date}T00:00:00Z`).toLocaleDateString('en-US', {
    month: 'short',
    day: 'numeric',
    timeZone: 'UTC',
  });
}
