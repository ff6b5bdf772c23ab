/**
 * The whole portal once per database: a suite declared here runs twice, against the dev domain
 * with its data in SQLite and then in a fresh PostgreSQL database, so that flows which touch the
 * store are tested on both (as forEachDatabase does for the store alone). The flows are called
 * directly, with the app's contexts; nothing goes through HTTP unless a test wants it.
 */
import { after, before, beforeEach, describe } from 'node:test';
import type { DatabaseDialect } from '../store/schema.ts';
import { createScratchDatabase, type ScratchDatabase, TEST_DIALECTS } from './databases.ts';
import { startTestPortal, type TestPortal } from './portal.ts';

/** A suite's portal and the database it keeps its data in. */
export interface PortalOnDatabase {
  readonly dialect: DatabaseDialect;
  /** The suite's portal (started before its tests, closed after); usable in tests and hooks. */
  readonly portal: TestPortal;
}

/**
 * Declares the suite `name` once per database, each with a portal started with `settings` (as
 * for startTestPortal) on a fresh database of its own. A portal that cannot start fails each test.
 */
export function forEachPortalDatabase(name: string, settings: Record<string, unknown>, declare: (fixture: PortalOnDatabase) => void): void {
  for (const dialect of TEST_DIALECTS) {
    describe(`${name} [${dialect}]`, () => {
      let portal: TestPortal | undefined;
      let scratch: ScratchDatabase | undefined;
      let setupError: unknown;
      before(async () => {
        try {
          if (dialect === 'postgres') scratch = await createScratchDatabase('postgres');
          portal = await startTestPortal({ ...settings, ...(scratch ? { database: { url: scratch.options.databaseUrl } } : {}) });
        } catch (error) {
          setupError = error;
        }
      });
      // Thrown from before(), Node would report the tests as cancelled rather than failed.
      beforeEach(() => {
        if (!portal) throw setupError ?? new Error(`the ${dialect} portal is used before its suite started`);
      });
      declare({
        dialect,
        get portal() {
          if (!portal) throw setupError ?? new Error(`the ${dialect} portal is used before its suite started`);
          return portal;
        },
      });
      after(async () => {
        await portal?.close();
        await scratch?.drop();
      });
    });
  }
}
