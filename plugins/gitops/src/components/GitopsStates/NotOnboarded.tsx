import { CodeSnippet } from '@backstage/core-components';
import Typography from '@material-ui/core/Typography';
import Box from '@material-ui/core/Box';
import {
  ANNOTATION_CLUSTER,
  ANNOTATION_NAMESPACE,
  ANNOTATION_PATH,
} from '@mooring/plugin-gitops-common';

/** Tells the owners of a component how to deploy it with Mooring. */
export function NotOnboarded(props: { entityName: string }) {
  const yaml = [
    'metadata:',
    '  annotations:',
    `    ${ANNOTATION_CLUSTER}: dev`,
    `    ${ANNOTATION_PATH}: deploy/${props.entityName}`,
    `    ${ANNOTATION_NAMESPACE}: ${props.entityName}`,
  ].join('\n');
  return (
    <Box role="region" aria-label="Deploy with Mooring">
      <Typography variant="h6" component="h3" gutterBottom>
        Not deployed with Mooring yet
      </Typography>
      <Typography variant="body2" paragraph>
        Add these annotations to this component's catalog-info.yaml: the cluster
        name from gitops.clusters, and the folder of your repository that holds
        its manifests (plain YAML, a kustomization or a Helm chart). For several
        targets add <code>mooring.dev/targets: staging,prod</code> and suffix
        keys with the target, e.g. <code>mooring.dev/cluster.prod</code>.
      </Typography>
      <CodeSnippet text={yaml} language="yaml" showCopyCodeButton />
    </Box>
  );
}
