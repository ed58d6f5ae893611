import type { SchedulerServiceTaskScheduleDefinitionConfig } from '@backstage/backend-plugin-api';
import type { HumanDuration } from '@backstage/types';

export interface Config {
  /** Mooring, the GitOps agent inside Backstage. */
  gitops?: {
    /**
     * Clusters that `mooring.dev/cluster` annotations name. Together with the
     * contexts of `kubeconfig`; a name given in both uses this list.
     */
    clusters?: Array<{
      /** The name annotations use, e.g. `prod`. */
      name: string;
      /** URL of the Kubernetes API server, e.g. `https://10.0.0.1:6443`. */
      url: string;
      /**
       * Bearer token of the service account Mooring acts as on this cluster.
       * @visibility secret
       */
      serviceAccountToken?: string;
      /** Base64-encoded PEM of the CA that signed the API server's certificate. */
      caData?: string;
      /** Skip TLS verification of the API server (development only). */
      skipTLSVerify?: boolean;
    }>;

    /**
     * Path to a kubeconfig file; each of its contexts becomes a cluster named
     * after the context. Relative paths are resolved from the backend's
     * working directory. Read again when the catalog checks annotations, so
     * contexts added later are seen. A file that does not exist is logged as
     * a warning (the backend still starts, knowing no clusters from it).
     */
    kubeconfig?: string;

    /**
     * How long an application's cluster may keep failing (a broken watch,
     * reads answered 5xx or 429, no connection) before the application's
     * sync and health turn Unknown. Until then every failure is retried
     * within seconds (jittered back-off up to 30 s) and the application
     * keeps its last known status, its message saying what is retried.
     * Default 60 seconds; an object such as `{ seconds: 60 }` or an ISO 8601
     * duration such as `PT1M`.
     */
    clusterUnreachableAfter?: HumanDuration | string;

    /** The reconcile loop. */
    reconcile?: {
      /**
       * How often every application is compared with Git and its cluster,
       * besides watches and webhooks. Default 3 minutes. An object such as
       * `{ minutes: 3 }` or an ISO 8601 duration such as `PT3M`.
       */
      interval?: HumanDuration | string;
      /** How many applications reconcile at once. Default 4. */
      concurrency?: number;
    };

    /**
     * Glob patterns of the repository URLs Mooring may pull from, e.g.
     * `https://git.example.com/**`. Without it no repository is allowed.
     * An annotation naming any other repository is reported as an error.
     */
    allowedRepos?: string[];

    /** How long a sync waits. */
    sync?: {
      /**
       * For one sync wave (or hook) to become Healthy before the sync fails
       * (and runs its SyncFail hooks). Default 5 minutes; an object such as
       * `{ minutes: 5 }` or an ISO 8601 duration such as `PT5M`.
       */
      waveTimeout?: HumanDuration | string;
      /** For a whole sync, hooks and waves included. Default 30 minutes. */
      timeout?: HumanDuration | string;
    };

    /**
     * Fields Mooring neither compares nor applies, for every application
     * (before the component's own `mooring.dev/ignore-differences`), e.g.
     * `[{ group: apps, kind: Deployment, jsonPointers: ['/spec/replicas'] }]`.
     * A rule matches by `group` ('' is the core group; absent or '*' any),
     * `kind` ('*' any) and optionally `name` and `namespace`; it ignores the
     * fields its RFC 6901 `jsonPointers` name, and the fields of the live
     * object that its `managedFieldsManagers` own (e.g.
     * `kube-controller-manager` for an HPA's replicas). At most 50 rules.
     */
    ignoreDifferences?: Array<{
      group?: string;
      kind: string;
      name?: string;
      namespace?: string;
      jsonPointers?: string[];
      managedFieldsManagers?: string[];
    }>;

    /** Sync history. */
    history?: {
      /**
       * Sync runs kept per application; older ones are deleted. Dry runs are
       * counted apart (as many again), so previews never push out the runs
       * a rollback goes back to. Default 100.
       */
      maxRunsPerApplication?: number;
    };

    /** Delivery insights (`GET /insights`, the Delivery card). */
    insights?: {
      /**
       * Days the deployments ledger keeps a sync run for delivery figures
       * (deployment frequency, lead time, change failure rate, time to
       * restore); older runs are deleted once a day. Kept by age, not by
       * count, so a busy application keeps its year. Default 400; at least 1.
       */
      retentionDays?: number;
    };

    /**
     * When automation may sync, as Argo CD's sync windows: from every minute
     * a window's `schedule` fires (5-field cron, UTC) and for its `duration`,
     * an `allow` window lets auto-sync and self-heal run, a `deny` window
     * holds them back. When allow windows match an application, automation
     * runs only inside one; an open deny window always wins. A window matches
     * the applications whose cluster matches `clusters` and whose id or
     * entity ref matches `applications` (globs; absent matches all). While a
     * window holds automation back, manual syncs are refused too unless
     * `manualSync: true` (on every open deny window; on any of the allow
     * windows). Checked at start-up.
     */
    syncWindows?: Array<{
      /** Shown in the reason, e.g. `freeze`. */
      name?: string;
      kind: 'allow' | 'deny';
      /** 5-field cron schedule in UTC, e.g. `0 22 * * *`. */
      schedule: string;
      /** How long the window stays open: `8h`, `1h30m`, `PT8H` or `{ hours: 8 }`. */
      duration: HumanDuration | string;
      /** Globs over cluster names, e.g. `['prod-*']`. */
      clusters?: string[];
      /** Globs over application ids and entity refs, e.g. `['component:default/ledger']`. */
      applications?: string[];
      /** People may sync while this window holds automation back. Default false. */
      manualSync?: boolean;
    }>;

    /**
     * Secret shared with the Git host for `POST /api/gitops/webhook`: the
     * HMAC key of GitHub and Gitea signatures, the `X-Gitlab-Token` of GitLab.
     * Without it webhooks are refused.
     * @visibility secret
     */
    webhookSecret?: string;

    /**
     * Commit statuses: every sync run reports to the commit it deploys, on
     * the repository's GitHub, GitLab or Gitea (found through `integrations`,
     * with the credentials Mooring fetches with): `pending` while deploying,
     * `success` once the application is Healthy, `failure` when the sync
     * fails, the application turns Degraded, or `healthTimeout` passes.
     * The status is named `mooring/<entity>/<target>` and links to the
     * component's Deployments tab (on `app.baseUrl`). Dry runs never report.
     * The most specific `enabled` wins: the target's, then the cluster's,
     * then this one. Checked at start-up.
     */
    commitStatus?: {
      /** Report commit statuses. Default false. */
      enabled?: boolean;
      /**
       * How long a succeeded sync waits for the application to be Healthy
       * before its status turns `failure`. Default 10 minutes; an object
       * such as `{ minutes: 10 }` or an ISO 8601 duration such as `PT10M`.
       */
      healthTimeout?: HumanDuration | string;
      /** Per cluster name, e.g. `{ prod: { enabled: false } }`. */
      clusters?: { [cluster: string]: { enabled: boolean } };
      /** Per target name (`mooring.dev/targets`), e.g. `{ staging: { enabled: true } }`. */
      targets?: { [target: string]: { enabled: boolean } };
    };

    /** Following the catalog. */
    catalogSync?: {
      /**
       * How often the catalog is read for new, changed and removed
       * applications. Default 10 seconds.
       */
      interval?: HumanDuration | string;
    };

    /** Helm rendering (`helm template`). */
    helm?: {
      /** Path of the helm binary (Helm 3). Default: `helm` on PATH. */
      binary?: string;
      /**
       * Chart repositories a chart's dependencies may be fetched from, as
       * globs on the URL: the scheme must be equal, host and path are matched
       * separately, e.g. `https://charts.example.com/**` or
       * `oci://registry.example.com/charts/*`. Default: none; dependencies
       * must be vendored in `charts/` or be `file://` folders of the repository.
       */
      allowedRepositories?: string[];
      /**
       * Credentials of chart repositories. A dependency from an allowed
       * repository is fetched with the credentials of the entry whose `url`
       * covers its repository (same scheme and host, path prefix on whole
       * segments; the longest wins). They reach helm only in its private
       * repositories file (`https://`) or registry config file (`oci://`,
       * one set of credentials per registry host), never on a command line
       * or in its environment.
       */
      repositories?: Array<{
        /** The repository, or a prefix of its URL, e.g. `https://charts.example.com/private`. */
        url: string;
        /** Username of HTTP basic authentication; give it with `password`. */
        username?: string;
        /**
         * Password or token of HTTP basic authentication; give it with `username`.
         * @visibility secret
         */
        password?: string;
      }>;
    };

    /** Kustomize rendering. */
    kustomize?: {
      /**
       * Allow kustomizations to reference remote bases (URLs). Default false:
       * only files inside the repository are read.
       */
      allowRemoteBases?: boolean;
      /**
       * Allow exec and KRM function plugins in `generators`, `transformers`
       * and `validators` (they run programs on the backend host). Default
       * false: only kustomize's built-in plugin configs.
       */
      allowPlugins?: boolean;
      /**
       * Allow `helmCharts` in kustomizations (kustomize then runs helm).
       * Default false: render charts as Helm applications.
       */
      allowHelmCharts?: boolean;
    };

    /**
     * Ceilings on each render, so a repository cannot exhaust the backend.
     * Exceeding one fails the render with an error naming the key.
     */
    limits?: {
      /** Bytes of all files of a checkout, counting what symlinks repeat. Default 536870912 (512 MiB). */
      repositoryBytes?: number;
      /** Files, folders and symlinks of a checkout, counting what symlinked folders repeat. Default 50000. */
      files?: number;
      /** Bytes of manifests an application reads, or of a renderer's output. Default 67108864 (64 MiB). */
      manifestBytes?: number;
      /** Objects one application may render to. Default 5000. */
      objectsPerApplication?: number;
      /** Seconds one render (kustomize, helm, plain YAML) may take. Default 120. */
      renderSeconds?: number;
    };

    /**
     * Who may deploy where. Without it every application may write only
     * namespaced objects in its own `mooring.dev/namespace` and that
     * Namespace itself: nothing cluster-scoped, no other namespace.
     */
    tenancy?: {
      /**
       * Grants; they add up. An owner matching no rule gets the default
       * above. Checked before every write, for every object.
       */
      rules?: Array<{
        /**
         * Entity ref globs matched against a component's `spec.owner`,
         * completed as Backstage completes owners (`payments` is
         * `group:default/payments`) and compared without case; `*` is anyone.
         */
        owners: string[];
        /** Globs over gitops cluster names, e.g. `['dev', 'prod']`. */
        clusters: string[];
        /** Globs over the namespaces these owners may write to, e.g. `['payments', 'payments-*']`. */
        namespaces?: string[];
        /**
         * Cluster-scoped kinds these owners may manage: `Kind` for a built-in
         * kind, `group/Kind` for a custom one, globs (`*` is every kind).
         * Default none. A Namespace named by `namespaces` needs no entry.
         */
        clusterResources?: string[];
        /** Globs over repository URLs; narrows `allowedRepos` for these owners. */
        repos?: string[];
        /**
         * A service account in the application's namespace that every
         * request for these applications impersonates
         * (`system:serviceaccount:<namespace>:<serviceAccount>`), so the
         * cluster's own RBAC applies too.
         */
        serviceAccount?: string;
      }>;
    };

    /** Mooring's default permission policy. */
    permissions?: {
      /**
       * Entity refs of the groups whose members may register and unregister
       * catalog locations and delete entities. Default
       * `['group:default/admins']`.
       */
      adminGroups?: string[];
    };
  };

  search?: {
    collators?: {
      /** The search collator of Mooring applications (`searchModuleGitopsCollator`). */
      gitops?: {
        /**
         * When the applications are collated into the search index. Default
         * every 10 minutes, timeout 15 minutes, first run 10 seconds after
         * start, e.g. `{ frequency: { minutes: 10 }, timeout: { minutes: 15 },
         * initialDelay: { seconds: 10 } }`.
         */
        schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
      };
    };
  };
}
