import type { Application } from '@mooring/plugin-gitops-common';

/** "payments (prod)": how dialogs name an application. */
export function applicationLabel(app: Application): string {
  const name = app.entityRef.split('/').pop() ?? app.entityRef;
  return `${name} (${app.target})`;
}
