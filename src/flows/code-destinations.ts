/**
 * Where a one-time code can go, the same rule for reset, unlock and the helpdesk's caller check:
 * the channels codes can go by now (allowed by the policy, with a sender set up), to the
 * enrolled addresses or, where allowed, the directory's; a mobile number read by the one phone
 * rule, so that one stored in an older form still gets its code and one no text reaches is not offered.
 */
import type { DirectoryUser } from '../directory/directory.ts';
import { maskEmail, maskPhone } from '../notify/masking.ts';
import { storedMobile } from '../notify/phone.ts';
import type { Enrollment } from '../store/enrollments.ts';
import type { FlowContext } from './context.ts';
import type { Channel } from './verification-state.ts';

const PAGE_ORDER: readonly Channel[] = ['email', 'sms'];

/** The channels codes can go by now (allowed by the policy, with a sender set up), in page order. */
export function configuredChannels(ctx: FlowContext): Channel[] {
  const senders: Record<Channel, unknown> = { email: ctx.mail, sms: ctx.sms };
  return PAGE_ORDER.filter((channel) => senders[channel] && ctx.policy.verification.channels.includes(channel));
}

/**
 * The addresses a code for `user` can go to, by channel: the enrolled ones, else the directory's
 * when `directoryFallback` (auto-enrollment on the public pages; always at the helpdesk, where an
 * operator confirms the caller).
 */
export function codeDestinations(
  ctx: FlowContext,
  user: DirectoryUser,
  enrollment: Enrollment | null,
  { directoryFallback }: { directoryFallback: boolean },
): Partial<Record<Channel, string>> {
  const email = enrollment?.email ?? (directoryFallback ? user.mail : null);
  const mobile = enrollment?.mobile ?? (directoryFallback ? user.mobile : null);
  const addresses: Record<Channel, string | null> = { email: email || null, sms: storedMobile(mobile, ctx.policy.phone.defaultRegion) };
  return Object.fromEntries(configuredChannels(ctx).flatMap((channel) => (addresses[channel] ? [[channel, addresses[channel]]] : [])));
}

/** An address as shown once its owner is known: enough to recognise it, not to use it. */
export function maskedAddress(channel: Channel, address: string): string {
  return channel === 'sms' ? maskPhone(address) : maskEmail(address);
}

/** Every destination, masked, in page order. */
export function maskedDestinations(addresses: Partial<Record<Channel, string>>): { channel: Channel; masked: string }[] {
  return PAGE_ORDER.flatMap((channel) => {
    const address = addresses[channel];
    return address ? [{ channel, masked: maskedAddress(channel, address) }] : [];
  });
}
