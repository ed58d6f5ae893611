/**
 * Mooring's scaffolder actions: onboard a catalog component to GitOps from a
 * template (`mooring:onboard`) and wait until it is Synced and Healthy
 * (`mooring:wait-healthy`).
 *
 * @packageDocumentation
 */
export { scaffolderModuleMooring as default } from './module';
export { createOnboardAction } from './onboard/createOnboardAction';
export type { OnboardActionOptions } from './onboard/createOnboardAction';
export { createWaitHealthyAction } from './waitHealthy/createWaitHealthyAction';
export type { WaitHealthyActionOptions } from './waitHealthy/createWaitHealthyAction';
