/**
 * A simulated Kubernetes API server for development, demos and tests.
 *
 * @packageDocumentation
 */
export { startKubeSim } from './kubeSim';
export type { KubeSim, KubeSimOptions } from './kubeSim';
