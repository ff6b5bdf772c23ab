/**
 * Caps on verification codes sent, on top of the per-flow resend wait: per destination (one
 * mailbox or phone, whichever accounts and flows ask) and per account (all its addresses
 * together), per hour and per day. The counters are in the shared throttle store, so they hold
 * across instances, and keyed by a hash, so the store keeps no address.
 */
import { createHmac } from 'node:crypto';
import { normalizePhone } from '../notify/phone.ts';
import type { FlowContext } from './context.ts';
import { limitKeys } from './limit-keys.ts';
import type { Channel } from './verification-state.ts';

/** One of the four caps: whose sends it counts, and over which window. */
export interface SendCap {
  scope: 'destination' | 'account';
  window: 'hour' | 'day';
}

/** One code about to be sent. */
export interface PlannedSend {
  accountGuid: string;
  channel: Channel;
  address: string;
}

const WINDOW_MS: Record<SendCap['window'], number> = { hour: 60 * 60_000, day: 24 * 60 * 60_000 };
const PER_WINDOW = { hour: 'perHour', day: 'perDay' } as const;

/**
 * The form under which sends to an address are counted: e-mail trimmed and lower-cased, a phone
 * number in E.164 (a number that is not one is counted as its digits, and cannot be sent to).
 */
export function countedDestination(channel: Channel, address: string): string {
  if (channel === 'email') return `email:${address.trim().toLowerCase()}`;
  try {
    return `sms:${normalizePhone(address)}`;
  } catch {
    return `sms:${address.replace(/\D/g, '')}`;
  }
}

type CapContext = Pick<FlowContext, 'store' | 'keys' | 'now'> & { policy: Pick<FlowContext['policy'], 'codes'> };

function counters(ctx: CapContext, send: PlannedSend) {
  const destination = createHmac('sha256', ctx.keys.decoy).update(countedDestination(send.channel, send.address)).digest('hex');
  const subjects = { destination, account: send.accountGuid };
  const settings = { destination: ctx.policy.codes.perDestination, account: ctx.policy.codes.perAccount };
  return (['destination', 'account'] as const).flatMap((scope) =>
    (['hour', 'day'] as const).map((window) => ({
      cap: { scope, window },
      key: limitKeys.sends(scope, window, subjects[scope]),
      max: settings[scope][PER_WINDOW[window]],
      windowMs: WINDOW_MS[window],
    })),
  );
}

/**
 * Counts `send` against every cap and returns null, or returns the first cap it would exceed.
 * A refused send is not counted, so refusals do not stretch the owner's wait; two sends racing
 * for the last allowance are both counted, and the one that comes second is refused.
 */
export async function takeSendAllowance(ctx: CapContext, send: PlannedSend): Promise<SendCap | null> {
  const now = ctx.now();
  const all = counters(ctx, send);
  for (const counter of all) {
    if ((await ctx.store.throttle.peek(counter.key, now)) >= counter.max) return counter.cap;
  }
  let exceeded: SendCap | null = null;
  for (const counter of all) {
    if ((await ctx.store.throttle.hit(counter.key, counter.windowMs, now)) > counter.max) exceeded ??= counter.cap;
  }
  return exceeded;
}

/** A cap in the audit's words: "per destination and hour". */
export function describeCap(cap: SendCap): string {
  return `per ${cap.scope} and ${cap.window}`;
}
