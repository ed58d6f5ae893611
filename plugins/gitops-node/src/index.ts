/**
 * Extension points of the Mooring GitOps backend: renderers, health checks and
 * cluster suppliers.
 *
 * @packageDocumentation
 */
export * from './types';
export * from './extensions';
