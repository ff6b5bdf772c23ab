/**
 * Passkeys (WebAuthn credentials) registered by users, as a verification factor. Only public
 * data: the credential's id and public key, its signature counter and what the authenticator
 * said of itself; nothing here lets anyone sign in.
 */
import type { Kysely } from 'kysely';

// Migrations see the database as it was at their time, not as schema.ts describes it now.
// biome-ignore lint/suspicious/noExplicitAny: a migration sees the schema as it was then, not today's types
type AnyDb = Kysely<any>;

/** Creates the passkeys table. */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('passkeys')
    // base64url, as the browser reports it; looked up by it when an assertion comes in.
    .addColumn('credential_id', 'text', (c) => c.primaryKey().notNull())
    // The owner's objectGUID: names can be renamed.
    .addColumn('user_guid', 'text', (c) => c.notNull())
    // The COSE public key, base64url.
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('counter', 'bigint', (c) => c.notNull())
    // JSON array of transport hints ("internal", "usb", "hybrid" …).
    .addColumn('transports', 'text', (c) => c.notNull())
    // 1 when the credential may be synced between devices (multi-device), and 1 when it is backed up.
    .addColumn('multi_device', 'integer', (c) => c.notNull())
    .addColumn('backed_up', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .execute();
  await db.schema.createIndex('passkeys_user_guid').on('passkeys').column('user_guid').execute();
}
