/**
 * The authenticator app (TOTP) and recovery codes as verification factors: the sealed TOTP
 * secret per account, the time steps already used (so a code passes once, on every instance),
 * and the recovery codes as keyed hashes. Keyed by objectGUID, and not tied to the enrollment:
 * removing an enrollment leaves the factors alone.
 */
import type { Kysely } from 'kysely';

// Migrations see the database as it was at their time, not as schema.ts describes it now.
// biome-ignore lint/suspicious/noExplicitAny: a migration sees the schema as it was then, not today's types
type AnyDb = Kysely<any>;

/** Creates the three factor tables; the same SQL on both databases. */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('totp_secrets')
    .addColumn('user_guid', 'text', (c) => c.primaryKey().notNull())
    // AES-256-GCM under the master key, the key's id in the value (see settings/key-ring.ts).
    .addColumn('secret_sealed', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('totp_used_steps')
    .addColumn('user_guid', 'text', (c) => c.notNull())
    .addColumn('step', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    // The key decides a replay: of two instances inserting the same step, one fails.
    .addPrimaryKeyConstraint('totp_used_steps_pk', ['user_guid', 'step'])
    .execute();
  await db.schema.createIndex('totp_used_steps_expires_at').on('totp_used_steps').column('expires_at').execute();

  await db.schema
    .createTable('recovery_codes')
    .addColumn('user_guid', 'text', (c) => c.notNull())
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .addPrimaryKeyConstraint('recovery_codes_pk', ['user_guid', 'code_hash'])
    .execute();
}
