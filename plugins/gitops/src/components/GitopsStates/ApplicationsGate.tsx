import type { ReactNode } from 'react';
import { Progress } from '@backstage/core-components';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { useEntity } from '@backstage/plugin-catalog-react';
import Alert from '@material-ui/lab/Alert';
import AlertTitle from '@material-ui/lab/AlertTitle';
import {
  Application,
  GitopsAnnotationError,
  isGitopsAvailable,
  parseGitopsAnnotations,
} from '@mooring/plugin-gitops-common';
import { useApplications } from '../../hooks';
import { AnnotationErrors } from './AnnotationErrors';
import { ErrorMessage } from './ErrorMessage';
import { NotOnboarded } from './NotOnboarded';

/** What the views inside the gate get. */
export interface GateContext {
  entityRef: string;
  refresh: () => Promise<void>;
}

/**
 * Handles every state before there is something to show (not onboarded, broken
 * annotations, loading, backend errors, not picked up yet) and renders `children`
 * with the entity's applications otherwise.
 */
export function ApplicationsGate(props: {
  children: (apps: Application[], context: GateContext) => ReactNode;
}) {
  const { entity } = useEntity();
  if (!isGitopsAvailable(entity)) {
    return <NotOnboarded entityName={entity.metadata.name} />;
  }
  return (
    <OnboardedGate
      entityRef={stringifyEntityRef(entity)}
      errors={parseGitopsAnnotations(entity).errors}
    >
      {props.children}
    </OnboardedGate>
  );
}

function OnboardedGate(props: {
  entityRef: string;
  errors: GitopsAnnotationError[];
  children: (apps: Application[], context: GateContext) => ReactNode;
}) {
  const { entityRef } = props;
  const { value, error, refresh, annotationErrors } =
    useApplications(entityRef);
  // The backend also checks what only it knows (cluster names, allowed repos).
  const errors = [...props.errors, ...annotationErrors];
  const subject = `the deployments of ${entityRef}`;

  if (value === undefined) {
    if (error) {
      return (
        <>
          <AnnotationErrors errors={errors} />
          <ErrorMessage error={error} subject={subject} onRetry={refresh} />
        </>
      );
    }
    return <Progress aria-label="Loading deployments" />;
  }

  return (
    <>
      <AnnotationErrors errors={errors} />
      {error ? (
        <ErrorMessage
          severity="warning"
          error={error}
          subject={`the latest status of ${entityRef} (showing the last known status)`}
          onRetry={refresh}
        />
      ) : null}
      {value.length > 0 ? props.children(value, { entityRef, refresh }) : null}
      {value.length === 0 && errors.length === 0 ? (
        <Alert severity="info">
          <AlertTitle>Waiting for Mooring</AlertTitle>
          Mooring has no application for {entityRef} yet. It picks up new
          annotations after the catalog processes the component, usually within
          a few minutes.
        </Alert>
      ) : null}
    </>
  );
}
