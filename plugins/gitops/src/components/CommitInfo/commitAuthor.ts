/** A Git author as `git log --format='%an <%ae>'` writes it. */
export interface CommitAuthorParts {
  name: string;
  /** Absent when the text carries no address. */
  email?: string;
}

/** Splits `Name <email>`; anything else is all name. */
export function parseCommitAuthor(author: string): CommitAuthorParts {
  const match = /^(.*?)\s*<([^<>\s]+@[^<>\s]+)>\s*$/.exec(author);
  if (!match) return { name: author.trim() };
  return { name: match[1].trim() || match[2], email: match[2] };
}

/** How addresses are compared: letter case aside, as the catalog does. */
export function normalizeEmail(email: string): string {
  return email.trim().toLocaleLowerCase('en-US');
}
