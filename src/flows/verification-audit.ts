/** How a verification records what happened, and how a wrong try or a refusal while stopped is told. */
import type { AuditAction, AuditOutcome } from '../audit/recorder.ts';
import type { Factor } from '../config/factors-schema.ts';
import type { FlowContext, Requester } from './context.ts';
import type { Attempt, Stop } from './failure-limits.ts';
import type { VerificationState } from './verification-state.ts';

/** Audits a step of the flow; a decoy's reason goes into the detail, the factor into the metrics. */
export function record(
  ctx: FlowContext,
  state: Pick<VerificationState, 'user' | 'decoy'>,
  requester: Requester,
  action: AuditAction,
  outcome: AuditOutcome,
  detail?: string,
  factor?: Factor,
) {
  const decoy = state.decoy ? `decoy: ${state.decoy}` : undefined;
  return ctx.audit.record({
    actor: state.user?.sam ?? null,
    actorGuid: state.user?.guid ?? null,
    actorName: state.user?.displayName ?? null,
    action,
    outcome,
    sourceIp: requester.ip,
    detail: [detail, decoy].filter(Boolean).join('; ') || undefined,
    ...(factor ? { factor } : {}),
  });
}

/** A try refused because a bound is reached: audited, nothing counted. */
export async function refusedWhileStopped(ctx: FlowContext, state: VerificationState, requester: Requester, stop: Stop): Promise<Stop> {
  await record(ctx, state, requester, 'portal-lockout', 'refused', `still stopped: ${stop}`);
  return stop;
}

/** Audits a wrong answer, code or factor (already counted); the bound it reached, or 'wrong'. */
export async function wrongAttempt(
  ctx: FlowContext,
  state: VerificationState,
  requester: Requester,
  attempt: Attempt,
  action: AuditAction,
  detail?: string,
  factor?: Factor,
): Promise<'wrong' | Stop> {
  const stop = attempt.wrong();
  await record(ctx, state, requester, action, 'refused', detail, factor);
  if (!stop) return 'wrong';
  await record(ctx, state, requester, 'portal-lockout', 'refused', stop);
  return stop;
}
