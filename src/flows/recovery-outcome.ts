/**
 * What reset and unlock share once verification passed: their outcome and their audit entry (the
 * notice that tells the owner is credential-notices.ts).
 */
import { type AuditAction, type AuditOutcome, actorOf } from '../audit/recorder.ts';
import type { DirectoryUser } from '../directory/directory.ts';
import type { FieldError } from '../field-errors.ts';
import type { FlowContext, Requester } from './context.ts';
import type { VerifiedRefusal } from './verification-state.ts';

export type RecoverOutcome =
  | { outcome: 'done'; wasLocked: boolean }
  | { outcome: 'invalid'; errors: FieldError[] }
  | { outcome: 'refused'; refusal: VerifiedRefusal };

export function recordRecovery(ctx: FlowContext, user: DirectoryUser, requester: Requester, action: AuditAction, outcome: AuditOutcome, detail?: string) {
  return ctx.audit.record({ ...actorOf(user), action, outcome, sourceIp: requester.ip, ...(detail ? { detail } : {}) });
}
