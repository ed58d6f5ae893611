/**
 * Mooring's scaffolder actions: onboard a catalog component to GitOps from a
 * template (`mooring:onboard`) and wait until it is Synced and Healthy
 * (`mooring:wait-healthy`).
 *
 * @packageDocumentation
 */
export { scaffolderModuleMooring as default } from './module';
