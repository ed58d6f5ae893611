import { EntityRefLink } from '@backstage/plugin-catalog-react';
import { parseCommitAuthor } from './commitAuthor';

/**
 * A commit's author: a link to their catalog User when one was matched by
 * email, their name as Git has it otherwise.
 */
export function CommitAuthor(props: { author?: string; userRef?: string }) {
  const { author, userRef } = props;
  if (!author) return <>–</>;
  if (!userRef) return <span title={author}>{author}</span>;
  const { name } = parseCommitAuthor(author);
  return (
    <span title={author}>
      <EntityRefLink entityRef={userRef}>{name}</EntityRefLink>
    </span>
  );
}
