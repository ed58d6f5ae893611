/** One line of a unified diff, classified for display. */
export interface DiffLine {
  type: 'header' | 'hunk' | 'added' | 'removed' | 'context';
  text: string;
}

/** Splits unified diff text into typed lines; the text itself is never altered. */
export function parseUnifiedDiff(diff: string): DiffLine[] {
  const lines = diff.replace(/\n$/, '').split('\n');
  return lines.map(text => {
    if (text.startsWith('+++') || text.startsWith('---')) {
      return { type: 'header', text };
    }
    if (text.startsWith('@@')) return { type: 'hunk', text };
    if (text.startsWith('+')) return { type: 'added', text };
    if (text.startsWith('-')) return { type: 'removed', text };
    return { type: 'context', text };
  });
}

/** Counts of added and removed lines, for a summary. */
export function diffStats(lines: DiffLine[]) {
  return {
    added: lines.filter(l => l.type === 'added').length,
    removed: lines.filter(l => l.type === 'removed').length,
  };
}
