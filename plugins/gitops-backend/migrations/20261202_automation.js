// @ts-check

/**
 * What people decided about an application's automation (suspended, pinned
 * after a rollback), shared by every replica and kept over restarts; and
 * requests to terminate a running sync, for the replica that runs it.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('gitops_automation', table => {
    table.comment(
      'Suspension and rollback pin of an application: automation leaves it alone while set',
    );
    table.string('application_id', 255).primary().comment('The application');
    table
      .boolean('suspended')
      .notNullable()
      .defaultTo(false)
      .comment('Auto-sync and self-heal are paused by a person');
    table
      .text('suspended_reason')
      .nullable()
      .comment('Why it was suspended, as the person wrote it');
    table
      .string('suspended_by', 255)
      .nullable()
      .comment('Who suspended it (a user entity ref)');
    table
      .bigInteger('suspended_at')
      .nullable()
      .comment('When it was suspended, in milliseconds since the epoch');
    table
      .string('pinned_revision', 64)
      .nullable()
      .comment(
        'The commit a rollback went back to; automation leaves newer commits alone until resumed',
      );
    table
      .string('pinned_from', 64)
      .nullable()
      .comment('The target commit the rollback moved away from');
    table
      .string('pinned_by', 255)
      .nullable()
      .comment('Who rolled back (a user entity ref)');
    table
      .bigInteger('pinned_at')
      .nullable()
      .comment('When it was pinned, in milliseconds since the epoch');
    table
      .bigInteger('updated_at')
      .notNullable()
      .comment('Last change, in milliseconds since the epoch');
  });

  await knex.schema.alterTable('gitops_runs', table => {
    table
      .string('terminate_requested_by', 255)
      .nullable()
      .comment(
        'Who asked to terminate this running sync; the replica running it stops it when it renews its lease',
      );
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('gitops_runs', table => {
    table.dropColumn('terminate_requested_by');
  });
  await knex.schema.dropTable('gitops_automation');
};
