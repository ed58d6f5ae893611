// The trust boundary: what an application's owner may deploy, and where.
// Pure functions; the sync plan calls them before anything is written.
export { readTenancyRules } from './readTenancyRules';
export type { TenancyRule } from './readTenancyRules';
export {
  UNOWNED,
  grantFor,
  clusterAllowed,
  repoAllowed,
  namespaceAllowed,
  clusterResourceAllowed,
  impersonatedUser,
  grantedClusters,
  grantedSummary,
  describeGrant,
} from './grantFor';
export type { Grant, GrantSubject } from './grantFor';
export { ownerEntityRef } from './ownerEntityRef';
export { checkTenancy } from './checkTenancy';
export type {
  CheckTenancyInput,
  ObjectScope,
  TenancyCheck,
  TenancyViolation,
} from './checkTenancy';
export { checkOwnership, prunable } from './ownership';
export type {
  CheckOwnershipInput,
  OwnershipCheck,
  OwnershipConflict,
  PrunableEntry,
  PruneDecision,
} from './ownership';
