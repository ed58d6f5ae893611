// @ts-check

/**
 * The deployments ledger: one row per sync run that applied a commit, kept
 * by age (`gitops.insights.retentionDays`) rather than by count, so delivery
 * figures (deployment frequency, lead time, change failure rate, time to
 * restore) cover a year even though `gitops_runs` is trimmed per application.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('gitops_deployments', table => {
    table.comment(
      'One sync run that applied a commit, and what became of it: live, failed, restored, rolled back',
    );
    table
      .string('run_id', 36)
      .primary()
      .comment('The sync run (its id in gitops_runs)');
    table
      .string('application_id', 255)
      .notNullable()
      .comment('The application that was synced');
    table
      .string('entity_ref', 255)
      .notNullable()
      .comment('The entity of the application, lower case');
    table
      .string('target', 255)
      .notNullable()
      .comment('The target of the entity (e.g. staging, prod)');
    table
      .string('owner_ref', 255)
      .nullable()
      .comment("The entity's owner when it was synced, lower case");
    table
      .string('cluster', 255)
      .notNullable()
      .comment('The cluster it was applied to');
    table
      .string('commit_sha', 64)
      .notNullable()
      .comment('The commit it applied');
    table
      .bigInteger('commit_at')
      .nullable()
      .comment('Committer date of the commit, in milliseconds since the epoch');
    table
      .boolean('is_deployment')
      .notNullable()
      .comment(
        'Counts as a deployment: a new commit, or a person re-applying the same one and changing objects',
      );
    table
      .boolean('is_rollback')
      .notNullable()
      .defaultTo(false)
      .comment("The run is a person's rollback to an earlier run's commit");
    table
      .boolean('rolled_back')
      .notNullable()
      .defaultTo(false)
      .comment('A later rollback moved the application away from this one');
    table
      .string('initiated_by', 255)
      .notNullable()
      .comment("A user entity ref, or 'auto', 'webhook' or 'self-heal'");
    table
      .bigInteger('started_at')
      .notNullable()
      .comment('Start of the run, in milliseconds since the epoch');
    table
      .bigInteger('finished_at')
      .nullable()
      .comment(
        'End of the run, in milliseconds since the epoch; null while running',
      );
    table
      .string('result', 16)
      .notNullable()
      .comment('Phase of the run: Running, Succeeded, Failed or Error');
    table
      .bigInteger('live_at')
      .nullable()
      .comment(
        'First time the application was Synced and Healthy at this commit, in milliseconds since the epoch',
      );
    table
      .bigInteger('failed_at')
      .nullable()
      .comment(
        'When the run failed, the application turned Degraded before going live, or a rollback moved away from it',
      );
    table
      .bigInteger('restored_at')
      .nullable()
      .comment(
        'First time the application was Synced and Healthy again after failed_at, in milliseconds since the epoch',
      );
    table.index(
      ['entity_ref', 'target', 'started_at'],
      'gitops_deployments_entity_idx',
    );
    table.index(['owner_ref', 'started_at'], 'gitops_deployments_owner_idx');
    table.index(['application_id', 'started_at'], 'gitops_deployments_app_idx');
    table.index(['started_at'], 'gitops_deployments_started_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('gitops_deployments');
};
