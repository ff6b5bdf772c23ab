/**
 * The settings of breached-password screening (the `breachedPasswords` section of the settings,
 * see schema.ts): how often a password must have been seen to be refused, and the optional
 * online check. Where the offline index lives is a start-up setting (breachedIndexFile).
 */
import { z } from 'zod';

/** Breached-password screening beyond the imported index and the bundled common list. */
export const breachedPasswordsSchema = z
  .strictObject({
    /** A password seen in breaches at least this often is refused (the imported index and the online check). */
    minimumCount: z.number().int().min(1).max(1_000_000).default(1),
    online: z
      .strictObject({
        /** Also ask the Pwned Passwords range API: only the first 5 hex digits of the password's SHA-1 are sent. */
        enabled: z.boolean().default(false),
        url: z.url({ protocol: /^https?$/ }).default('https://api.pwnedpasswords.com/range/'),
        timeoutMs: z.number().int().min(100).max(30_000).default(2000),
        /** When the service does not answer: allow the password (logged), or refuse it until it answers again. */
        whenUnreachable: z.enum(['allow', 'refuse']).default('allow'),
      })
      .prefault({}),
  })
  .prefault({});
