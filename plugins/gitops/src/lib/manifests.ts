import { parse } from 'yaml';
import type { KubernetesEvent } from '../api';

function parseObject(yaml: string | null | undefined): any {
  if (!yaml) return undefined;
  try {
    const value = parse(yaml);
    return value && typeof value === 'object' ? value : undefined;
  } catch {
    // A manifest the page cannot read only loses its extras (containers, replicas).
    return undefined;
  }
}

/**
 * Folds `metadata.managedFields` (long and rarely read) into one line saying how many
 * lines it hides; the rest of the YAML is unchanged.
 */
export function foldManagedFields(yaml: string): string {
  const lines = yaml.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const match = /^(\s*)managedFields:\s*$/.exec(lines[i]);
    if (!match) {
      out.push(lines[i]);
      continue;
    }
    const indent = match[1].length;
    let end = i + 1;
    // The block runs while lines are indented deeper, or are list items at its indent.
    while (end < lines.length) {
      const line = lines[end];
      const lineIndent = line.length - line.trimStart().length;
      const deeper = lineIndent > indent;
      const item = lineIndent === indent && line.trimStart().startsWith('- ');
      if (line.trim() !== '' && !deeper && !item) break;
      end++;
    }
    const folded = end - i - 1;
    out.push(
      `${match[1]}managedFields: … # ${folded} line${
        folded === 1 ? '' : 's'
      } folded`,
    );
    i = end - 1;
  }
  return out.join('\n');
}

/** `spec.replicas` of a manifest, when it sets it. */
export function replicasOf(
  yaml: string | null | undefined,
): number | undefined {
  const replicas = parseObject(yaml)?.spec?.replicas;
  return typeof replicas === 'number' ? replicas : undefined;
}

/** The containers of a Pod manifest, then its init containers (the first is the one to show). */
export function containersOf(yaml: string | null | undefined): string[] {
  const spec = parseObject(yaml)?.spec;
  const names = (list: unknown): string[] =>
    Array.isArray(list)
      ? list.map(c => c?.name).filter((n): n is string => typeof n === 'string')
      : [];
  return [...names(spec?.containers), ...names(spec?.initContainers)];
}

/** When an event was last seen, whichever API wrote it. */
export function eventLastSeen(event: KubernetesEvent): string | undefined {
  return (
    event.series?.lastObservedTime ??
    event.lastTimestamp ??
    event.eventTime ??
    event.firstTimestamp ??
    undefined
  );
}

/** How many times an event happened (1 when the API does not count it). */
export function eventCount(event: KubernetesEvent): number {
  return event.series?.count ?? event.count ?? 1;
}

/** Events, most recently seen first. */
export function sortEvents(events: KubernetesEvent[]): KubernetesEvent[] {
  const time = (e: KubernetesEvent) => Date.parse(eventLastSeen(e) ?? '') || 0;
  return [...events].sort((a, b) => time(b) - time(a));
}
