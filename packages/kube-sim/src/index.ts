/**
 * A simulated Kubernetes API server for development, demos and tests.
 *
 * @packageDocumentation
 */
export {};
