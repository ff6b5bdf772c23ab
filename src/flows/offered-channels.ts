/**
 * The choices of the channel page ("E-mail to j•••••@corp.example", "Text message to
 * +•••••••0999"). When the page comes before anything is proven, it must look the same for every
 * name: every configured channel, in one order, in one masking format, real or stand-in.
 */
import { hiddenEmail, maskPhone } from '../notify/masking.ts';
import { decoyDigits } from '../security/decoy.ts';
import { configuredChannels, maskedAddress } from './code-destinations.ts';
import type { FlowContext } from './context.ts';
import type { Channel, VerificationState } from './verification-state.ts';

/** What a name with no address for `channel` is shown: fixed per name, like a real address. */
function standIn(ctx: FlowContext, key: string, channel: Channel): string {
  return channel === 'sms' ? maskPhone(`+1555${decoyDigits(ctx.keys.decoy, key, 'phone', 7)}`) : hiddenEmail();
}

/**
 * The channel page's choices for the typed name (fingerprint `key`) and the account's addresses
 * `found` (none for a decoy). With `standIns`, a configured channel without an address is
 * offered under a stand-in; without, only the addresses found are (a page after proven answers).
 */
export async function offeredChannels(
  ctx: FlowContext,
  name: { key: string; typed: string },
  found: Partial<Record<Channel, string>>,
  standIns: boolean,
): Promise<VerificationState['channels']> {
  const offered: VerificationState['channels'] = [];
  for (const channel of configuredChannels(ctx)) {
    const address = found[channel];
    // Before proof an e-mail address shows nothing of itself: its letters and domain are not the typed name's.
    if (address) offered.push({ channel, masked: channel === 'email' && standIns ? hiddenEmail() : maskedAddress(channel, address) });
    else if (standIns) offered.push({ channel, masked: standIn(ctx, name.key, channel) });
  }
  return offered;
}
