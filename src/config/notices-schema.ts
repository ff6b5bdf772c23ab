/**
 * The settings of the notices that tell a person their credentials changed (the `notices`
 * section, see schema.ts): which changes are told, whether a helpdesk notice names the operator,
 * and whether a reset is also texted. The notices of a self-service reset and unlock keep their
 * own switch, `reset.notifyUser`.
 */
import { z } from 'zod';

export const noticesSchema = z
  .strictObject({
    /** Tell the owner when their password is changed (the change page, or /me). */
    change: z.boolean().default(true),
    /** Tell the owner when the helpdesk resets or unlocks the account, or clears a factor of it. */
    helpdesk: z.boolean().default(true),
    /** Name the operator in helpdesk notices (off: "the helpdesk" only). */
    nameOperator: z.boolean().default(false),
    /** Tell the owner when their enrollment (questions, addresses for codes) is saved again. */
    enrollment: z.boolean().default(true),
    /** Tell the owner when an authenticator app, a passkey or a set of recovery codes is added or removed. */
    factors: z.boolean().default(true),
    /** Also text a password reset (self-service or helpdesk) to the account's mobile number. */
    smsOnReset: z.boolean().default(false),
  })
  .prefault({});
