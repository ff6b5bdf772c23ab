/**
 * The settings of password-expiry reminders (the `reminders` section, see schema.ts): whether
 * they go out, how many days before expiry, by which channels, when the daily run starts, and
 * the admin's wording per language (overrides of the mail.expiryReminder.* and sms.expiryReminder
 * strings, with the same {placeholders}).
 */
import { z } from 'zod';

/** A language tag as the strings files are named: en, de, pt-BR. */
const LANGUAGE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

/** The admin's wording in one language; an absent text keeps the built-in one. */
const reminderTexts = z.strictObject({
  subject: z.string().trim().min(1).max(200).optional(),
  body: z.string().min(1).max(4000).optional(),
  sms: z.string().trim().min(1).max(320).optional(),
});

export const remindersSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    /** Days before expiry at which a reminder goes, each once per password (a missed one is caught up by the next run). */
    leadDays: z
      .array(z.number().int().min(1).max(365))
      .min(1)
      .max(10)
      .refine((days) => new Set(days).size === days.length, 'must not name a day twice')
      .default([14, 7, 3, 1]),
    /** Also send a text message to the enrolled or directory mobile number (e-mail always goes when there is an address). */
    sms: z.boolean().default(false),
    /** When the daily run starts, HH:MM in UTC; the jobs are tried hourly, so it starts within the hour after. */
    timeOfDay: z
      .string()
      .trim()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day as HH:MM (24 hours, UTC)')
      .default('07:00'),
    /** The admin's wording by language tag (en, de …): subject, body and sms, with {name}, {days}, {inDays}, {date}, {link} … */
    texts: z.record(z.string().regex(LANGUAGE, 'must be a language tag such as en or de'), reminderTexts).default({}),
  })
  .prefault({});

export type RemindersSettings = z.infer<typeof remindersSchema>;
