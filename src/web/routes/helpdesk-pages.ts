/**
 * What the helpdesk's route files share: the live operator of the request, the account a page
 * is about (by the objectGUID in its address), and the page that shows that account.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FieldError } from '../../field-errors.ts';
import type { FlowContext } from '../../flows/context.ts';
import { activeOperator, userDetails } from '../../flows/helpdesk.ts';
import type { Desk } from '../../flows/helpdesk-guard.ts';
import { pageKit, requester } from '../page-kit.ts';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What the account page may say besides the account's facts. */
export interface UserPageNotes {
  notice?: string;
  errors?: FieldError[];
  generated?: string;
  codeSent?: boolean;
}

export function helpdeskPages(ctx: FlowContext) {
  const { form } = pageKit(ctx.t);
  const desk = (request: FastifyRequest) => activeOperator(ctx, request.session.get('operator'), requester(request));
  // An address that holds no GUID names no account: it is refused like any account out of scope.
  const guidOf = (request: FastifyRequest) => {
    const guid = (request.params as { guid?: string }).guid ?? '';
    return GUID.test(guid) ? guid : '00000000-0000-0000-0000-000000000000';
  };
  async function userPage(reply: FastifyReply, request: FastifyRequest, current: Desk, notes: UserPageNotes = {}) {
    const details = await userDetails(ctx, current, guidOf(request), requester(request));
    return form(reply, 'helpdesk-user', { details, ...notes, errors: notes.errors ?? [], mustChangeDefault: true });
  }
  return {
    desk,
    userPage,
    /** The operator, and the account the action is about. */
    target: async (request: FastifyRequest) => ({ current: await desk(request), guid: guidOf(request) }),
  };
}
