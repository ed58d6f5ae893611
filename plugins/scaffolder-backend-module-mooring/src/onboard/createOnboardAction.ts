import {
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  Entity,
  parseEntityRef,
  stringifyEntityRef,
  UserEntity,
} from '@backstage/catalog-model';
import { Config } from '@backstage/config';
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import {
  DefaultGithubCredentialsProvider,
  ScmIntegrations,
} from '@backstage/integration';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  ANNOTATION_CLUSTER,
  ANNOTATION_NAMESPACE,
  ANNOTATION_PATH,
  ANNOTATION_PRUNE,
  ANNOTATION_REPO,
  ANNOTATION_SELF_HEAL,
  ANNOTATION_SYNC,
  ANNOTATION_TARGETS,
  applicationId,
  gitopsApplicationSyncPermission,
  isGitopsAvailable,
  parseGitopsAnnotations,
} from '@mooring/plugin-gitops-common';
import {
  createRepoCheck,
  gitCredentialConfig,
} from '@mooring/plugin-gitops-node';
import fs from 'node:fs/promises';
import path from 'node:path';
import { runGit } from '../git/runGit';
import { addAnnotations } from './addAnnotations';
import { catalogInfoPath } from './catalogInfoPath';
import { createTargetCheck, readClusterNames } from './deployChecks';
import { checkRepoPath, writeStarter } from './writeStarter';

/** Who commits when the person running the task has no e-mail in the catalog. */
export const MOORING_IDENTITY = {
  name: 'Mooring',
  email: 'mooring@users.noreply.mooring.dev',
};

const TARGET_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** What the action needs from the backend. */
export interface OnboardActionOptions {
  config: Config;
  catalog: CatalogService;
  permissions: PermissionsService;
  logger: LoggerService;
}

/** The commit's author: the person running the task as their User entity says. */
function commitIdentity(user: UserEntity | undefined) {
  const email = user?.spec?.profile?.email;
  if (!user || !email) return MOORING_IDENTITY;
  return { name: user.spec.profile?.displayName ?? user.metadata.name, email };
}

async function readCatalogInfo(repoDir: string, file: string) {
  const full = path.join(repoDir, file);
  const stat = await fs.lstat(full).catch(() => undefined);
  if (!stat) {
    throw new InputError(
      `The repository has no ${file}; register the component from its catalog-info.yaml first`,
    );
  }
  const real = await fs.realpath(full);
  if (!stat.isFile() || !real.startsWith(`${await fs.realpath(repoDir)}/`)) {
    throw new InputError(
      `${file} in the repository is not a regular file (a symlink or a folder); Mooring edits only real files`,
    );
  }
  return fs.readFile(full, 'utf8');
}

/**
 * `mooring:onboard`: adds the `mooring.dev/*` annotations to an existing
 * component's catalog-info.yaml and, when asked, a deploy folder from a
 * starter, committed as the person running the task and pushed with the
 * integration's credentials; then asks the catalog to refresh the entity.
 */
export function createOnboardAction(options: OnboardActionOptions) {
  const { config, catalog, permissions, logger } = options;
  const integrations = ScmIntegrations.fromConfig(config);
  const githubCredentials =
    DefaultGithubCredentialsProvider.fromIntegrations(integrations);

  return createTemplateAction({
    id: 'mooring:onboard',
    description:
      "Onboards a catalog component to Mooring: adds its mooring.dev annotations (and optionally a starter deploy folder) to its repository's catalog-info.yaml, commits and pushes.",
    examples: [
      {
        description:
          'Deploy a component to the dev cluster from a Kustomize starter',
        example: [
          'steps:',
          '  - id: onboard',
          '    action: mooring:onboard',
          '    input:',
          '      entityRef: component:default/shipping',
          '      targets: [{ cluster: dev, namespace: shipping }]',
          '      path: deploy',
          '      starter: kustomize',
          '      image: registry.example.com/shipping:1.0.0',
          '      port: 8080',
        ].join('\n'),
      },
    ],
    schema: {
      input: {
        entityRef: z =>
          z
            .string()
            .describe(
              'The component to onboard, e.g. component:default/shipping',
            ),
        targets: z =>
          z
            .array(
              z.object({
                cluster: z.string().describe('A cluster from gitops.clusters'),
                namespace: z.string().describe('Namespace of its objects'),
                name: z
                  .string()
                  .optional()
                  .describe(
                    'Target name (staging, prod); needed with several targets',
                  ),
              }),
            )
            .min(1)
            .describe('Where it deploys'),
        path: z =>
          z
            .string()
            .default('deploy')
            .describe('Folder in the repository holding the manifests'),
        starter: z =>
          z
            .enum(['none', 'plain', 'kustomize', 'helm'])
            .default('none')
            .describe(
              'Writes a starter Deployment and Service at the path (none: deploy what is there)',
            ),
        image: z =>
          z.string().optional().describe('Container image of the starter'),
        port: z =>
          z
            .number()
            .int()
            .default(8080)
            .describe('Container port of the starter'),
        autoSync: z =>
          z
            .boolean()
            .default(true)
            .describe('Apply each new commit (mooring.dev/sync: auto)'),
        selfHeal: z => z.boolean().default(false).describe('Revert live drift'),
        prune: z =>
          z
            .boolean()
            .default(false)
            .describe('Delete objects removed from Git'),
        catalogInfoPath: z =>
          z
            .string()
            .default('catalog-info.yaml')
            .describe(
              'The file defining the component, when its location does not say',
            ),
      },
      output: {
        commitSha: z => z.string().describe('The commit pushed'),
        entityRef: z => z.string(),
        repoUrl: z => z.string(),
        branch: z => z.string(),
        applicationIds: z =>
          z.array(z.string()).describe('Mooring application id of each target'),
      },
    },
    async handler(ctx) {
      // The scaffolder validates inputs against the schema but does not
      // fill in its defaults: a template may leave any optional key out.
      const input = {
        ...ctx.input,
        path: ctx.input.path ?? 'deploy',
        starter: ctx.input.starter ?? 'none',
        port: ctx.input.port ?? 8080,
        autoSync: ctx.input.autoSync ?? true,
        selfHeal: ctx.input.selfHeal ?? false,
        prune: ctx.input.prune ?? false,
        catalogInfoPath: ctx.input.catalogInfoPath ?? 'catalog-info.yaml',
      };
      const credentials = await ctx.getInitiatorCredentials();

      let ref: string;
      try {
        ref = stringifyEntityRef(
          parseEntityRef(input.entityRef, {
            defaultKind: 'component',
            defaultNamespace: 'default',
          }),
        );
      } catch {
        throw new InputError(
          `'${input.entityRef}' is not an entity ref such as component:default/shipping`,
        );
      }
      const entity: Entity | undefined = await catalog.getEntityByRef(ref, {
        credentials,
      });
      if (!entity) {
        throw new NotFoundError(
          `${ref} is not in the catalog (or you may not see it); register the component first`,
        );
      }
      if (entity.kind.toLocaleLowerCase('en-US') !== 'component') {
        throw new InputError(
          `${ref} is of kind ${entity.kind}; Mooring deploys components only`,
        );
      }
      const [decision] = await permissions.authorize(
        [{ permission: gitopsApplicationSyncPermission, resourceRef: ref }],
        { credentials },
      );
      if (decision.result !== AuthorizeResult.ALLOW) {
        throw new NotAllowedError(
          `You may not deploy ${ref}: ${gitopsApplicationSyncPermission.name} is needed (by default its owners have it)`,
        );
      }
      if (isGitopsAvailable(entity)) {
        throw new ConflictError(
          `${ref} is already onboarded to Mooring (it has mooring.dev annotations); change them in its catalog-info.yaml instead`,
        );
      }

      // The annotations to write, checked as the agent will read them.
      const folder = checkRepoPath(input.path);
      const several = input.targets.length > 1;
      const names = input.targets.map(t => t.name?.trim() || 'default');
      if (several && new Set(names).size !== names.length) {
        throw new InputError(
          'Give each target its own name (e.g. staging, prod) when there are several',
        );
      }
      for (const name of names) {
        if (several && (name === 'default' || !TARGET_NAME.test(name))) {
          throw new InputError(
            `Target name '${name}' is not valid; use lower-case letters, digits and '-' (e.g. staging)`,
          );
        }
      }
      const annotations: Record<string, string> = {};
      if (several || names[0] !== 'default') {
        annotations[ANNOTATION_TARGETS] = names.join(',');
      }
      input.targets.forEach((target, i) => {
        const suffix = annotations[ANNOTATION_TARGETS] ? `.${names[i]}` : '';
        annotations[`${ANNOTATION_CLUSTER}${suffix}`] = target.cluster.trim();
        annotations[`${ANNOTATION_NAMESPACE}${suffix}`] =
          target.namespace.trim();
      });
      annotations[ANNOTATION_PATH] = folder;
      annotations[ANNOTATION_SYNC] = input.autoSync ? 'auto' : 'manual';
      if (input.prune) annotations[ANNOTATION_PRUNE] = 'true';
      if (input.selfHeal) annotations[ANNOTATION_SELF_HEAL] = 'true';

      const parsed = parseGitopsAnnotations(
        {
          ...entity,
          metadata: {
            ...entity.metadata,
            annotations: { ...entity.metadata.annotations, ...annotations },
          },
        },
        {
          clusters: readClusterNames(config),
          checkRepo: createRepoCheck(config),
          checkTarget: createTargetCheck(config),
        },
      );
      if (parsed.errors.length > 0) {
        throw new InputError(
          `Mooring would refuse to deploy ${ref}: ${parsed.errors
            .map(e => e.message)
            .join('; ')}`,
        );
      }
      const { repoUrl, revision } = parsed.targets[0];
      // Written explicitly, so the deployments do not change if the
      // source location is edited later.
      annotations[ANNOTATION_REPO] = repoUrl;
      if (input.starter !== 'none' && !input.image) {
        throw new InputError(
          `The ${input.starter} starter needs an image (e.g. registry.example.com/team/app:1.0.0)`,
        );
      }

      const result = await ctx.checkpoint({
        key: `mooring-onboard-${ref}`,
        fn: async () => {
          const work = await ctx.createTemporaryDirectory();
          const home = path.join(work, 'home');
          const repoDir = path.join(work, 'repo');
          await fs.mkdir(home);
          const auth = await gitCredentialConfig(
            repoUrl,
            integrations,
            githubCredentials,
          );
          const git = (args: string[], cwd = repoDir) =>
            runGit(args, {
              cwd,
              home,
              config: auth.config,
              secrets: auth.secrets,
              identity: commitIdentity(ctx.user?.entity),
              signal: ctx.signal,
            });

          ctx.logger.info(`Cloning ${repoUrl}`);
          let branch = revision;
          if (branch) {
            const heads = await git(
              ['ls-remote', '--heads', '--', repoUrl, `refs/heads/${branch}`],
              work,
            );
            if (!heads) {
              throw new InputError(
                `${ref} deploys revision '${branch}', which is not a branch of ${repoUrl}; onboarding pushes to a branch`,
              );
            }
          }
          await git(
            [
              'clone',
              '--quiet',
              '--no-tags',
              '--single-branch',
              '--depth=1',
              ...(branch ? ['--branch', branch] : []),
              '--',
              repoUrl,
              repoDir,
            ],
            work,
          );
          branch ||= await git(['symbolic-ref', '--short', 'HEAD']);

          const file = catalogInfoPath(entity, input.catalogInfoPath);
          checkRepoPath(file);
          const source = await readCatalogInfo(repoDir, file);
          const edited = addAnnotations(
            source,
            {
              kind: entity.kind,
              namespace: entity.metadata.namespace ?? 'default',
              name: entity.metadata.name,
            },
            annotations,
            file,
          );
          await fs.writeFile(path.join(repoDir, file), edited);
          const written =
            input.starter === 'none'
              ? []
              : await writeStarter({
                  repoDir,
                  folder,
                  starter: input.starter,
                  values: {
                    name: entity.metadata.name,
                    image: input.image!,
                    port: input.port,
                  },
                });
          await git(['add', '--', file, ...written]);
          const by = ctx.user?.ref ? ` for ${ctx.user.ref}` : '';
          await git([
            'commit',
            '--quiet',
            '--no-gpg-sign',
            '--no-verify',
            '-m',
            `Deploy ${entity.metadata.name} with Mooring`,
            '-m',
            `Onboarded${by} from the Backstage template (task ${
              ctx.task.id
            }): ${Object.entries(annotations)
              .map(([k, v]) => `${k}=${v}`)
              .join(', ')}${
              written.length ? `; starter ${input.starter} in ${folder}/` : ''
            }`,
          ]);
          ctx.logger.info(`Pushing to ${branch} of ${repoUrl}`);
          try {
            await git([
              'push',
              '--quiet',
              'origin',
              `HEAD:refs/heads/${branch}`,
            ]);
          } catch (error) {
            throw new ConflictError(
              `Could not push to ${branch} of ${repoUrl}: ${
                (error as Error).message
              }`,
            );
          }
          return { commitSha: await git(['rev-parse', 'HEAD']), branch };
        },
      });

      try {
        await catalog.refreshEntity(ref, { credentials });
      } catch (error) {
        // The catalog re-reads the file at its next processing anyway.
        logger.warn(`Could not ask the catalog to refresh ${ref}: ${error}`);
        ctx.logger.warn(
          `The catalog will pick the change up at its next processing (refresh refused: ${error})`,
        );
      }
      ctx.logger.info(
        `Pushed ${result.commitSha} to ${result.branch} of ${repoUrl}`,
      );
      ctx.output('commitSha', result.commitSha);
      ctx.output('entityRef', ref);
      ctx.output('repoUrl', repoUrl);
      ctx.output('branch', result.branch);
      ctx.output(
        'applicationIds',
        names.map(name => applicationId(ref, name)),
      );
    },
  });
}
