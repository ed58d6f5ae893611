/**
 * Isomorphic parts of Mooring: annotation names, status words, API types and permissions.
 *
 * @packageDocumentation
 */
export * from './annotations';
export * from './status';
export * from './api';
export * from './permissions';
export * from './parseGitopsAnnotations';
export * from './ignoreDifferences';
