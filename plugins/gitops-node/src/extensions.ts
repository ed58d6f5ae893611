import { createExtensionPoint } from '@backstage/backend-plugin-api';
import type {
  GitopsClusterSupplier,
  GitopsHealthCheck,
  GitopsRenderer,
} from './types';

/**
 * Adds renderers; they are tried before the built-in ones, in the order added.
 * @public
 */
export interface GitopsRenderersExtensionPoint {
  addRenderer(...renderers: GitopsRenderer[]): void;
}

/** @public */
export const gitopsRenderersExtensionPoint =
  createExtensionPoint<GitopsRenderersExtensionPoint>({
    id: 'gitops.renderers',
  });

/**
 * Adds health checks; they are asked before the built-in ones.
 * @public
 */
export interface GitopsHealthChecksExtensionPoint {
  addHealthCheck(...checks: GitopsHealthCheck[]): void;
}

/** @public */
export const gitopsHealthChecksExtensionPoint =
  createExtensionPoint<GitopsHealthChecksExtensionPoint>({
    id: 'gitops.health-checks',
  });

/**
 * Adds cluster suppliers; their clusters join those of `gitops.clusters`.
 * @public
 */
export interface GitopsClustersExtensionPoint {
  addClusterSupplier(...suppliers: GitopsClusterSupplier[]): void;
}

/** @public */
export const gitopsClustersExtensionPoint =
  createExtensionPoint<GitopsClustersExtensionPoint>({
    id: 'gitops.clusters',
  });
