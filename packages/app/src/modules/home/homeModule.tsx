import { createFrontendModule } from '@backstage/frontend-plugin-api';
import { HomePageWidgetBlueprint } from '@backstage/plugin-home-react/alpha';
import { MarkdownContent } from '@backstage/core-components';

const content = `
## Welcome to Mooring

Mooring is GitOps built into this portal. A component is onboarded by a few
\`mooring.dev/*\` annotations in its \`catalog-info.yaml\`; from then on Mooring
keeps its cluster equal to Git, and its page shows sync status, health, drift,
history and a Sync button.

- **Browse the [catalog](/catalog)** and open a component with a *Deployments* tab.
- **Onboard a service** by adding \`mooring.dev/cluster\` and \`mooring.dev/path\`
  to its catalog entry.
`;

const gettingStartedWidget = HomePageWidgetBlueprint.make({
  name: 'getting-started',
  params: {
    name: 'GettingStarted',
    title: 'Getting Started',
    description: 'What Mooring is and how to onboard a service',
    components: async () => ({
      Content: () => <MarkdownContent content={content} />,
    }),
  },
});

export const homeModule = createFrontendModule({
  pluginId: 'home',
  extensions: [gettingStartedWidget],
});
