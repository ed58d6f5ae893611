// @ts-check

/**
 * The phases and waves of a sync run, with their timing (JSON).
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('gitops_runs', table => {
    table
      .text('steps')
      .nullable()
      .comment('Phases and waves of the sync with their timing (JSON list)');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('gitops_runs', table => {
    table.dropColumn('steps');
  });
};
