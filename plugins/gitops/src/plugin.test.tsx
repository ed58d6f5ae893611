import { screen } from '@testing-library/react';
import { getComponentData } from '@backstage/core-plugin-api';
import {
  EntityGitopsCard,
  EntityGitopsContent,
  GitopsFleetPage,
  gitopsPlugin,
} from './plugin';
import { FakeGitopsApi } from './__testUtils__/FakeGitopsApi';
import { renderGitops } from './__testUtils__/renderGitops';
import { history, makeApp } from './__testUtils__/fixtures';
import { fleetRouteRef, rootRouteRef } from './routes';

describe('legacy frontend system exports', () => {
  it('renders the card through the plugin extension', async () => {
    const app = makeApp();
    const api = new FakeGitopsApi([app]);
    api.runs[app.id] = history;
    await renderGitops(<EntityGitopsCard />, { api });
    expect(await screen.findByText('Mooring GitOps')).toBeInTheDocument();
    expect(await screen.findByLabelText('Sync: Synced')).toBeInTheDocument();
  });

  it('mounts the Deployments tab on the plugin route', () => {
    expect(gitopsPlugin.getId()).toBe('gitops');
    expect(gitopsPlugin.routes.root).toBe(rootRouteRef);
    expect(getComponentData(<EntityGitopsContent />, 'core.mountPoint')).toBe(
      rootRouteRef,
    );
  });

  it('mounts the fleet page on its own route', () => {
    expect(gitopsPlugin.routes.fleet).toBe(fleetRouteRef);
    expect(getComponentData(<GitopsFleetPage />, 'core.mountPoint')).toBe(
      fleetRouteRef,
    );
  });
});
