/**
 * What the public pages tell people who cannot help themselves (the `help` section of the
 * settings, see schema.ts): how to reach the helpdesk, on every page that asks for a proof.
 */
import { z } from 'zod';

export const helpSchema = z
  .strictObject({
    /** How to reach the helpdesk (a phone number, opening hours, a desk): shown to everyone who never enrolled or cannot reach their addresses. Empty: "contact your helpdesk" alone. */
    helpdeskContact: z.string().trim().max(500).default(''),
  })
  .prefault({});
