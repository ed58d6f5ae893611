import type { Application, SyncRun } from '@mooring/plugin-gitops-common';

/** What the people behind a change hear about it, in order of a typical story. */
export type ChangeState = 'live' | 'failed' | 'degraded' | 'recovered';

/**
 * One change of one application, as its people follow it: a sync of a
 * commit, and the automatic syncs of that same commit that follow it
 * (self-heal), until another commit or another person's sync takes over.
 */
export interface ChangeEpisode {
  applicationId: string;
  /** The latest run of the episode. */
  runId: string;
  /** The commit applied; empty when the sync failed before resolving it. */
  sha: string;
  commit: SyncRun['commit'];
  /** Who started the episode's first run (a user ref, or automation). */
  initiatedBy: string;
  rollback: boolean;
  /** The latest run's phase once it ended; undefined while it runs. */
  phase?: SyncRun['phase'];
  runMessage: string;
  changes: SyncRun['changes'];
  /** The state reached last. */
  state?: ChangeState;
  /** The states the people were told of: each at most once per episode. */
  notified: ChangeState[];
}

/** The episode a sync of `run` starts. */
export function newEpisode(
  applicationId: string,
  run: SyncRun,
  options: { initiatedBy: string; rollback?: boolean },
): ChangeEpisode {
  return {
    applicationId,
    runId: run.id,
    sha: run.commit?.sha ?? '',
    commit: run.commit,
    initiatedBy: options.initiatedBy,
    rollback: Boolean(options.rollback),
    runMessage: run.message,
    changes: run.changes,
    notified: [],
  };
}

/**
 * Whether a sync of `sha` started by `initiatedBy` goes on with `episode`
 * rather than starting a new one: automation re-applying the same commit
 * (self-heal, a retry by auto-sync) is still the same people's change.
 */
export function continuesEpisode(
  episode: ChangeEpisode | undefined,
  sha: string,
  initiatedByPerson: boolean,
): episode is ChangeEpisode {
  return Boolean(
    episode && !initiatedByPerson && episode.sha && episode.sha === sha,
  );
}

/**
 * Whether another change took the application over (a sync of another
 * commit, maybe on another replica): the episode is over, silently.
 */
export function supersededBy(
  episode: ChangeEpisode,
  app: Application,
): boolean {
  const synced = app.status.syncedRevision;
  return (
    episode.phase === 'Succeeded' &&
    Boolean(episode.sha) &&
    Boolean(synced) &&
    synced !== episode.sha
  );
}

/**
 * The state the change is in now, from its latest run and the application's
 * status; undefined while nothing can be said yet (the run still runs, or
 * the objects are still Progressing).
 */
export function currentState(
  episode: ChangeEpisode,
  app: Application,
): ChangeState | undefined {
  if (!episode.phase) return undefined;
  const { status } = app;
  // A sync running now ends with its own verdict.
  if (status.operation?.phase === 'Running') return undefined;
  // A failed episode recovers only when a later run of it applies the commit.
  if (episode.phase !== 'Succeeded') return 'failed';
  if (status.health === 'Degraded') return 'degraded';
  const applied = Boolean(episode.sha) && status.syncedRevision === episode.sha;
  // A rollback (or any commit older than the branch) stays OutOfSync with
  // the branch's newest commit: being applied is what counts for it.
  const matchesGit =
    status.sync === 'Synced' || status.targetRevision !== episode.sha;
  if (applied && matchesGit && status.health === 'Healthy') {
    return episode.state === 'failed' ||
      episode.state === 'degraded' ||
      episode.state === 'recovered'
      ? 'recovered'
      : 'live';
  }
  return undefined;
}

/**
 * Moves the episode to the state the application shows; returns the state
 * to tell its people of, when it is new to them (never the same state twice
 * in one episode).
 */
export function advance(
  episode: ChangeEpisode,
  app: Application,
): ChangeState | undefined {
  const state = currentState(episode, app);
  if (!state || state === episode.state) return undefined;
  episode.state = state;
  if (episode.notified.includes(state)) return undefined;
  episode.notified.push(state);
  return state;
}
