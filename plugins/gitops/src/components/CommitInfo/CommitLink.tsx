import { Link } from '@backstage/core-components';
import Typography from '@material-ui/core/Typography';
import { commitUrl, shortSha } from '../../lib/commitUrl';

/** A commit's short SHA, linked to the forge when the repository URL allows it. */
export function CommitLink(props: { repoUrl: string; sha: string }) {
  const { repoUrl, sha } = props;
  const url = commitUrl(repoUrl, sha);
  const text = (
    <Typography
      component="span"
      variant="body2"
      style={{ fontFamily: 'monospace' }}
    >
      {shortSha(sha)}
    </Typography>
  );
  if (!url) {
    return <span title={sha}>{text}</span>;
  }
  return (
    <Link
      to={url}
      title={`Commit ${sha}`}
      aria-label={`Commit ${shortSha(sha)}`}
    >
      {text}
    </Link>
  );
}
