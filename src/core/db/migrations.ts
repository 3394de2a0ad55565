/** Schema migrations, in order; Kysely's Migrator records which ran in kysely_migration. Never edit a shipped one. */
import { sql, type Kysely, type Migration } from 'kysely';
import { columnTypes } from './column-types.js';

export const migrations: Record<string, Migration> = {
  '0001_initial': {
    async up(db: Kysely<any>) {
      const t = columnTypes(db);
      await db.schema.createTable('keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('secret_sha256', 'text', (c) => c.notNull().unique())
        .addColumn('secret_enc', 'text', (c) => c.notNull())
        .addColumn('webhook_secret_enc', 'text', (c) => c.notNull())
        .addColumn('balance', t.int, (c) => c.notNull().defaultTo(0))
        .addColumn('active', t.int, (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', t.int, (c) => c.notNull())
        .addColumn('revoked_at', t.int)
        .execute();

      await db.schema.createTable('tasks')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('key_id', 'text', (c) => c.notNull().references('keys.id'))
        .addColumn('api', 'text', (c) => c.notNull())
        .addColumn('capability', 'text', (c) => c.notNull())
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('prompt', 'text', (c) => c.notNull())
        .addColumn('negative_prompt', 'text')
        .addColumn('params', 'text', (c) => c.notNull())
        .addColumn('external_task_id', 'text')
        .addColumn('callback_url', 'text')
        .addColumn('remixed_from', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('progress', t.int, (c) => c.notNull().defaultTo(0))
        .addColumn('snapshot', 'text')
        .addColumn('error_code', 'text')
        .addColumn('error_message', 'text')
        .addColumn('price', t.int, (c) => c.notNull())
        .addColumn('attempts', t.int, (c) => c.notNull().defaultTo(0))
        .addColumn('cancel_requested', t.int, (c) => c.notNull().defaultTo(0))
        .addColumn('meta', 'text')
        .addColumn('created_at', t.int, (c) => c.notNull())
        .addColumn('updated_at', t.int, (c) => c.notNull())
        .addColumn('started_at', t.int)
        .addColumn('completed_at', t.int)
        .addColumn('deleted_at', t.int)
        .execute();
      await db.schema.createIndex('tasks_key_created').on('tasks').columns(['key_id', 'created_at', 'id']).execute();
      await db.schema.createIndex('tasks_key_external').on('tasks').columns(['key_id', 'external_task_id']).unique()
        .where(sql.ref('external_task_id'), 'is not', null).execute();
      await db.schema.createIndex('tasks_status').on('tasks').column('status').execute();

      await db.schema.createTable('queue')
        .addColumn('task_id', 'text', (c) => c.primaryKey())
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('available_at', t.int, (c) => c.notNull())
        .addColumn('lease_owner', 'text')
        .addColumn('lease_expires_at', t.int)
        .addColumn('attempts', t.int, (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.createIndex('queue_take').on('queue').columns(['provider', 'available_at']).execute();

      await db.schema.createTable('blobs')
        .addColumn('sha256', 'text', (c) => c.primaryKey())
        .addColumn('bytes', t.int, (c) => c.notNull())
        .addColumn('content_type', 'text', (c) => c.notNull())
        .addColumn('created_at', t.int, (c) => c.notNull())
        .execute();
      await db.schema.createTable('files')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('task_id', 'text')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('content_type', 'text', (c) => c.notNull())
        .addColumn('bytes', t.int, (c) => c.notNull())
        .addColumn('created_at', t.int, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('files_task_kind').on('files').columns(['task_id', 'kind']).unique()
        .where(sql.ref('task_id'), 'is not', null).execute();
      await db.schema.createIndex('files_sha').on('files').column('sha256').execute();

      await db.schema.createTable('ledger')
        .addColumn('id', t.int, t.autoId)
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('task_id', 'text')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('amount', t.int, (c) => c.notNull())
        .addColumn('created_at', t.int, (c) => c.notNull())
        .execute();
      // Exactly once: one reserve, one capture, one release per task, whatever the retries.
      await db.schema.createIndex('ledger_task_kind').on('ledger').columns(['task_id', 'kind']).unique()
        .where(sql.ref('task_id'), 'is not', null).execute();
      await db.schema.createIndex('ledger_key').on('ledger').columns(['key_id', 'id']).execute();

      await db.schema.createTable('idempotency')
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('idempotency_key', 'text', (c) => c.notNull())
        .addColumn('request_sha256', 'text', (c) => c.notNull())
        .addColumn('task_id', 'text', (c) => c.notNull())
        .addColumn('created_at', t.int, (c) => c.notNull())
        .addPrimaryKeyConstraint('idempotency_pk', ['key_id', 'idempotency_key'])
        .execute();

      await db.schema.createTable('webhook_endpoints')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('secret_enc', 'text', (c) => c.notNull())
        .addColumn('events', 'text', (c) => c.notNull())
        .addColumn('created_at', t.int, (c) => c.notNull())
        .addColumn('deleted_at', t.int)
        .execute();
      await db.schema.createTable('webhook_deliveries')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('endpoint_id', 'text')
        .addColumn('task_id', 'text')
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('event', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', t.int, (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', t.int)
        .addColumn('last_error', 'text')
        .addColumn('created_at', t.int, (c) => c.notNull())
        .addColumn('updated_at', t.int, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('deliveries_due').on('webhook_deliveries').columns(['status', 'next_attempt_at']).execute();
      await db.schema.createIndex('deliveries_key').on('webhook_deliveries').columns(['key_id', 'created_at']).execute();
      await db.schema.createTable('webhook_attempts')
        .addColumn('id', t.int, t.autoId)
        .addColumn('delivery_id', 'text', (c) => c.notNull())
        .addColumn('attempt', t.int, (c) => c.notNull())
        .addColumn('started_at', t.int, (c) => c.notNull())
        .addColumn('duration_ms', t.int, (c) => c.notNull())
        .addColumn('status_code', t.int)
        .addColumn('error', 'text')
        .execute();
      await db.schema.createIndex('attempts_delivery').on('webhook_attempts').columns(['delivery_id', 'attempt']).execute();
    },
  },
  '0002_studio': {
    // Local accounts, browser sessions, keys owned by users, and the community: publications, likes, reports.
    async up(db: Kysely<any>) {
      const t = columnTypes(db);
      await db.schema.createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('username', 'text', (c) => c.notNull().unique())
        .addColumn('password_hash', 'text')
        .addColumn('is_admin', t.int, (c) => c.notNull().defaultTo(0))
        .addColumn('studio_key_id', 'text', (c) => c.notNull())
        .addColumn('created_at', t.int, (c) => c.notNull())
        .execute();
      await db.schema.createTable('sessions')
        .addColumn('token_sha256', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('csrf_token', 'text', (c) => c.notNull())
        .addColumn('created_at', t.int, (c) => c.notNull())
        .addColumn('expires_at', t.int, (c) => c.notNull())
        .execute();
      await db.schema.alterTable('keys').addColumn('user_id', 'text').execute();
      await db.schema.createIndex('keys_user').on('keys').column('user_id').execute();
      await db.schema.createIndex('tasks_remixed_from').on('tasks').column('remixed_from').where(sql.ref('remixed_from'), 'is not', null).execute();
      await db.schema.createTable('publications')
        .addColumn('task_id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('published_at', t.int, (c) => c.notNull())
        .addColumn('hidden', t.int, (c) => c.notNull().defaultTo(0))
        .addColumn('views', t.int, (c) => c.notNull().defaultTo(0))
        .addColumn('likes', t.int, (c) => c.notNull().defaultTo(0))
        .addColumn('reports', t.int, (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.createIndex('publications_newest').on('publications').columns(['hidden', 'published_at']).execute();
      await db.schema.createTable('likes')
        .addColumn('task_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('created_at', t.int, (c) => c.notNull())
        .addPrimaryKeyConstraint('likes_pk', ['task_id', 'user_id'])
        .execute();
      await db.schema.createTable('reports')
        .addColumn('task_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('created_at', t.int, (c) => c.notNull())
        .addPrimaryKeyConstraint('reports_pk', ['task_id', 'user_id'])
        .execute();
    },
  },
  '0003_arena': {
    // Blind pairs served to users with their votes; the arena's key.
    async up(db: Kysely<any>) {
      const t = columnTypes(db);
      await db.schema.createTable('arena_pairs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('caption', 'text', (c) => c.notNull())
        .addColumn('left_contestant', 'text', (c) => c.notNull())
        .addColumn('right_contestant', 'text', (c) => c.notNull())
        .addColumn('left_task_id', 'text', (c) => c.notNull())
        .addColumn('right_task_id', 'text', (c) => c.notNull())
        .addColumn('vote', 'text')
        .addColumn('created_at', t.int, (c) => c.notNull())
        .addColumn('voted_at', t.int)
        .execute();
      await db.schema.createIndex('arena_pairs_voted').on('arena_pairs').column('voted_at').where(sql.ref('vote'), 'is not', null).execute();
      await db.schema.createTable('arena_state')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '0004_batches': {
    // Ad batches: one row per batch, one per variant (template × aspect ratio × seed) pointing at its current child task.
    async up(db: Kysely<any>) {
      const t = columnTypes(db);
      await db.schema.createTable('batches')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('selling_points', 'text', (c) => c.notNull())
        .addColumn('templates', 'text', (c) => c.notNull())
        .addColumn('aspect_ratios', 'text', (c) => c.notNull())
        .addColumn('count', t.int, (c) => c.notNull())
        .addColumn('captions', 'text', (c) => c.notNull())
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('settings', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('price_per_clip', t.int, (c) => c.notNull())
        .addColumn('max_retries', t.int, (c) => c.notNull())
        .addColumn('cancel_requested', t.int, (c) => c.notNull().defaultTo(0))
        .addColumn('assembled', t.int, (c) => c.notNull().defaultTo(0))
        .addColumn('zip_file_id', 'text')
        .addColumn('error_code', 'text')
        .addColumn('error_message', 'text')
        .addColumn('idempotency_key', 'text')
        .addColumn('request_sha256', 'text')
        .addColumn('created_at', t.int, (c) => c.notNull())
        .addColumn('updated_at', t.int, (c) => c.notNull())
        .addColumn('completed_at', t.int)
        .execute();
      await db.schema.createIndex('batches_key_created').on('batches').columns(['key_id', 'created_at', 'id']).execute();
      await db.schema.createIndex('batches_status').on('batches').column('status').execute();
      await db.schema.createIndex('batches_key_idempotency').on('batches').columns(['key_id', 'idempotency_key']).unique()
        .where(sql.ref('idempotency_key'), 'is not', null).execute();
      await db.schema.createTable('batch_variants')
        .addColumn('batch_id', 'text', (c) => c.notNull())
        .addColumn('idx', t.int, (c) => c.notNull())
        .addColumn('template', 'text', (c) => c.notNull())
        .addColumn('aspect_ratio', 'text', (c) => c.notNull())
        .addColumn('seed', t.int, (c) => c.notNull())
        .addColumn('caption', 'text', (c) => c.notNull())
        .addColumn('prompt', 'text', (c) => c.notNull())
        .addColumn('task_id', 'text', (c) => c.notNull())
        .addColumn('attempts', t.int, (c) => c.notNull().defaultTo(1))
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('error_code', 'text')
        .addColumn('error_message', 'text')
        .addPrimaryKeyConstraint('batch_variants_pk', ['batch_id', 'idx'])
        .execute();
      await db.schema.createIndex('batch_variants_task').on('batch_variants').column('task_id').execute();
    },
  },
  '0005_storyboards': {
    // Storyboards (a title, one subject, shots → one film) and their shots, each an ordinary child task.
    async up(db: Kysely<any>) {
      const t = columnTypes(db);
      await db.schema.createTable('storyboards')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('spec', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('price', t.int, (c) => c.notNull())
        .addColumn('error_code', 'text')
        .addColumn('error_message', 'text')
        .addColumn('meta', 'text')
        .addColumn('assembly_owner', 'text')
        .addColumn('assembly_expires_at', t.int)
        .addColumn('assembly_attempts', t.int, (c) => c.notNull().defaultTo(0))
        .addColumn('idempotency_key', 'text')
        .addColumn('request_sha256', 'text')
        .addColumn('created_at', t.int, (c) => c.notNull())
        .addColumn('updated_at', t.int, (c) => c.notNull())
        .addColumn('completed_at', t.int)
        .execute();
      await db.schema.createIndex('storyboards_key_created').on('storyboards').columns(['key_id', 'created_at', 'id']).execute();
      await db.schema.createIndex('storyboards_status').on('storyboards').column('status').execute();
      await db.schema.createIndex('storyboards_key_idempotency').on('storyboards').columns(['key_id', 'idempotency_key']).unique()
        .where(sql.ref('idempotency_key'), 'is not', null).execute();
      await db.schema.createTable('storyboard_shots')
        .addColumn('storyboard_id', 'text', (c) => c.notNull())
        .addColumn('idx', t.int, (c) => c.notNull())
        .addColumn('task_id', 'text', (c) => c.notNull())
        .addColumn('caption', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('storyboard_shots_pk', ['storyboard_id', 'idx'])
        .execute();
      await db.schema.createIndex('storyboard_shots_task').on('storyboard_shots').column('task_id').execute();
    },
  },
  '0006_provider_run_times': {
    // How long each provider's jobs take, measured by whichever process ran them: every server (embedded or
    // scale-out) reads it to tell clients when to retry.
    async up(db: Kysely<any>) {
      const t = columnTypes(db);
      await db.schema.createTable('provider_run_times')
        .addColumn('provider', 'text', (c) => c.primaryKey())
        .addColumn('avg_ms', t.int, (c) => c.notNull())
        .addColumn('samples', t.int, (c) => c.notNull())
        .addColumn('updated_at', t.int, (c) => c.notNull())
        .execute();
    },
  },
  '0007_one_admin': {
    // The first account is the admin, decided by the database: at most one row may have is_admin = 1, so of
    // concurrent first sign-ups one wins and the others become ordinary users. Sign-ups that raced before this
    // index keep only the earliest admin.
    async up(db: Kysely<any>) {
      const first = await db.selectFrom('users').select('id').where('is_admin', '=', 1).orderBy('created_at').orderBy('id').limit(1).executeTakeFirst();
      if (first) await db.updateTable('users').set({ is_admin: 0 }).where('is_admin', '=', 1).where('id', '!=', first.id).execute();
      await db.schema.createIndex('users_one_admin').on('users').column('is_admin').unique().where(sql.ref('is_admin'), '=', 1).execute();
    },
  },
};
