export { checkRepoUrl, createRepoCheck, repoUrlAllowed } from './repoUrl';
export { gitCredentialConfig } from './gitCredentialConfig';
export type { GitCredentials } from './gitCredentialConfig';
