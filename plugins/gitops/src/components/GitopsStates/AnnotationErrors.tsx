import Alert from '@material-ui/lab/Alert';
import AlertTitle from '@material-ui/lab/AlertTitle';

/** Lists what is wrong with a component's mooring.dev/* annotations. */
export function AnnotationErrors(props: {
  errors: { annotation: string; message: string }[];
}) {
  const messages = [...new Set(props.errors.map(e => e.message))];
  if (messages.length === 0) return null;
  return (
    <Alert severity="error" role="alert" style={{ marginBottom: 16 }}>
      <AlertTitle>Mooring annotations need fixing</AlertTitle>
      <ul style={{ margin: 0, paddingLeft: 20 }}>
        {messages.map(message => (
          <li key={message}>{message}</li>
        ))}
      </ul>
      Fix them in this component's catalog-info.yaml; the page updates after the
      catalog processes the change.
    </Alert>
  );
}
