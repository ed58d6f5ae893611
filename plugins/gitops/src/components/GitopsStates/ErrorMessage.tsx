import Alert from '@material-ui/lab/Alert';
import AlertTitle from '@material-ui/lab/AlertTitle';
import Button from '@material-ui/core/Button';
import { describeError } from '../../lib/errors';

/**
 * A failed request explained for people (what failed, what to do); never a stack trace.
 */
export function ErrorMessage(props: {
  error: Error;
  subject: string;
  onRetry?: () => void;
  severity?: 'error' | 'warning';
}) {
  const { title, message, hint } = describeError(props.error, props.subject);
  return (
    <Alert
      severity={props.severity ?? 'error'}
      role="alert"
      style={{ marginBottom: 16 }}
      action={
        props.onRetry ? (
          <Button color="inherit" size="small" onClick={props.onRetry}>
            Retry
          </Button>
        ) : undefined
      }
    >
      <AlertTitle>{title}</AlertTitle>
      {message}
      {hint ? <div>{hint}</div> : null}
    </Alert>
  );
}
