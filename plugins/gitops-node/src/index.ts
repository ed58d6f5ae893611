/**
 * Extension points of the Mooring GitOps backend (renderers, health checks and
 * cluster suppliers), and the Git URL and credential rules every Mooring
 * backend package applies before git runs.
 *
 * @packageDocumentation
 */
export * from './types';
export * from './extensions';
export * from './git';
