/**
 * The browser's breached-password check, k-anonymity style: the page sends only the first five
 * hex digits of the new password's SHA-1 and compares the rest itself against every breached
 * hash that starts with them. Neither the password nor its hash reaches the server.
 */
import { createError } from '../errors.ts';
import type { RangeEntry } from '../passwords/screen.ts';
import type { FlowContext } from './context.ts';

export const RangePrefixInvalid = createError(
  'LK_RANGE_PREFIX_INVALID',
  'A breached-password range is asked for by exactly five hexadecimal digits (0-9, A-F).',
  400,
);

export const RangeRateLimited = createError(
  'LK_RANGE_RATE_LIMITED',
  'Too many breached-password checks from your network. Wait a minute; your new password is still checked when you send it.',
  429,
);

const PREFIX = /^[0-9a-f]{5}$/i;

/** The breached entries whose SHA-1 starts with `prefix` (5 hex digits, any case). */
export async function passwordRange(ctx: Pick<FlowContext, 'screen'>, prefix: string): Promise<RangeEntry[]> {
  if (!PREFIX.test(prefix)) throw RangePrefixInvalid({});
  return ctx.screen.range(prefix.toUpperCase());
}
