// @ts-check

/**
 * Runs, inventories and leases of the GitOps engine.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('gitops_runs', table => {
    table.comment(
      'One sync (or dry run) of an application, with its change set',
    );
    table.string('id', 36).primary().comment('Run id (UUID)');
    table
      .string('application_id', 255)
      .notNullable()
      .comment('The application that was synced');
    table
      .string('revision', 255)
      .notNullable()
      .comment('The revision asked for (branch, tag or commit)');
    table
      .string('commit_sha', 64)
      .nullable()
      .comment('The commit it resolved to');
    table
      .string('commit_author', 255)
      .nullable()
      .comment('Author of the commit');
    table.text('commit_message').nullable().comment('Message of the commit');
    table
      .string('commit_date', 64)
      .nullable()
      .comment('ISO date of the commit');
    table
      .string('initiated_by', 255)
      .notNullable()
      .comment("A user entity ref, or 'auto', 'webhook' or 'self-heal'");
    table
      .bigInteger('started_at')
      .notNullable()
      .comment('Start, in milliseconds since the epoch');
    table
      .bigInteger('finished_at')
      .nullable()
      .comment('End, in milliseconds since the epoch; null while running');
    table
      .string('phase', 16)
      .notNullable()
      .comment('Running, Succeeded, Failed or Error');
    table.text('message').notNullable().comment('What happened, for people');
    table
      .boolean('dry_run')
      .notNullable()
      .defaultTo(false)
      .comment('True for a dry run (nothing changed)');
    table
      .text('changes')
      .notNullable()
      .comment('JSON array of { kind, namespace, name, action, message? }');
    table
      .string('holder', 255)
      .nullable()
      .comment('The engine instance that runs it, while it runs');
    table.index(
      ['application_id', 'started_at'],
      'gitops_runs_app_started_idx',
    );
    table.index(['phase'], 'gitops_runs_phase_idx');
  });

  await knex.schema.createTable('gitops_inventory', table => {
    table.comment(
      'What each application applied, so that what leaves Git can be pruned',
    );
    table.string('application_id', 255).primary().comment('The application');
    table
      .string('cluster', 255)
      .notNullable()
      .comment('Cluster the objects live in');
    table
      .text('entries')
      .notNullable()
      .comment('JSON array of { group, version, kind, namespace, name }');
    table
      .string('synced_revision', 64)
      .nullable()
      .comment('Commit SHA last applied successfully');
    table
      .bigInteger('updated_at')
      .notNullable()
      .comment('Last change, in milliseconds since the epoch');
  });

  await knex.schema.createTable('gitops_leases', table => {
    table.comment(
      'Who may sync an application right now, so replicas never sync one twice at once',
    );
    table.string('application_id', 255).primary().comment('The application');
    table
      .string('holder', 255)
      .notNullable()
      .comment('Engine instance holding it');
    table
      .bigInteger('expires_at')
      .notNullable()
      .comment(
        'Lease end, in milliseconds since the epoch; renewed while syncing',
      );
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('gitops_leases');
  await knex.schema.dropTable('gitops_inventory');
  await knex.schema.dropTable('gitops_runs');
};
