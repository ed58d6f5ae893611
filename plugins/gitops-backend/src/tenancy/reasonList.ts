/** How many objects a refusal message names before "and N more". */
const NAMED_IN_MESSAGE = 3;

/** The first few reasons of a refusal, joined, then "and N more objects". */
export function reasonList(reasons: string[]): string {
  const named = reasons.slice(0, NAMED_IN_MESSAGE);
  const more = reasons.length - named.length;
  return more > 0
    ? `${named.join('; ')}; and ${more} more ${
        more === 1 ? 'object' : 'objects'
      }`
    : named.join('; ');
}
