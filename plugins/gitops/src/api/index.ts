export { gitopsApiRef } from './GitopsApi';
export type { GitopsApi } from './GitopsApi';
export { GitopsClient } from './GitopsClient';
