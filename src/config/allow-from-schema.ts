/**
 * A list of client addresses (IPs and CIDRs, IPv4 or IPv6) allowed into a part of the portal:
 * the staff areas (admin.allowFrom, helpdesk.allowFrom) and the metrics' readers.
 */
import { z } from 'zod';
import { addressEntryProblem } from '../security/address-list.ts';

const addressEntry = z
  .string()
  .trim()
  .superRefine((entry, ctx) => {
    const problem = addressEntryProblem(entry);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** Addresses or CIDRs; `fallback` when unset (empty: every address). */
export const allowFromSchema = (fallback: string[] = []) => z.array(addressEntry).default(fallback);
