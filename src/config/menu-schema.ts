/**
 * The menu's settings (the `menu` section of the settings, see schema.ts): which items are
 * hidden. A hidden item's pages answer as pages that do not exist, in kiosk mode too.
 */
import { z } from 'zod';

/** The menu's items, each a flow with its own pages. */
export const MENU_ITEMS = ['reset', 'unlock', 'change', 'enroll'] as const;

export type MenuItem = (typeof MENU_ITEMS)[number];

export const menuSchema = z
  .strictObject({
    /** Items taken off the menu (a reset still unlocks the account when Unlock is hidden). */
    hide: z
      .strictObject(Object.fromEntries(MENU_ITEMS.map((item) => [item, z.boolean().default(false)])) as Record<MenuItem, z.ZodDefault<z.ZodBoolean>>)
      .prefault({}),
  })
  .prefault({});
