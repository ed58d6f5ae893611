/** Manifests the integration tests commit to their repositories. */
export const configMap = (
  name: string,
  data: Record<string, string>,
  extra = '',
) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}${extra}
data:
${Object.entries(data)
  .map(([k, v]) => `  ${k}: "${v}"`)
  .join('\n')}
`;

export const secret = (
  name: string,
  data: Record<string, string>,
) => `apiVersion: v1
kind: Secret
metadata:
  name: ${name}
type: Opaque
stringData:
${Object.entries(data)
  .map(([k, v]) => `  ${k}: "${v}"`)
  .join('\n')}
`;

export const deployment = (
  name: string,
  image: string,
  replicas = 1,
) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
        - name: ${name}
          image: ${image}
`;
