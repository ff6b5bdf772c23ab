import type { Config, RuntimeSettings } from '../config/schema.ts';

/** What the flows follow: the database-kept settings, and the public URL and wording from the start-up configuration. */
export type Policy = RuntimeSettings & Pick<Config, 'server' | 'ui'>;
