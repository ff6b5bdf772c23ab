/**
 * What the helpdesk's route files share: the live operator of the request, the account a page
 * is about (by the objectGUID in its address), and the page that shows that account.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AccountProtected } from '../../directory/errors.ts';
import type { FieldError } from '../../field-errors.ts';
import type { FlowContext } from '../../flows/context.ts';
import { activeOperator, userDetails } from '../../flows/helpdesk.ts';
import { type Desk, OutOfScope, OwnAccount, StaffAccount } from '../../flows/helpdesk-guard.ts';
import { pageKit, requester } from '../page-kit.ts';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What the account page may say besides the account's facts. */
export interface UserPageNotes {
  notice?: string;
  errors?: FieldError[];
  generated?: string;
  codeSent?: boolean;
  /** The page's status: 403 when it shows a refused action. */
  status?: number;
}

/** The refusals an operator meets for an account the helpdesk may not touch: each has its own page. */
const ACCOUNT_REFUSALS = [AccountProtected, StaffAccount, OwnAccount, OutOfScope];

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
    const { status = 200, ...shown } = notes;
    return form(reply, 'helpdesk-user', { details, ...shown, errors: notes.errors ?? [], mustChangeDefault: true }, status);
  }
  /**
   * The helpdesk's error handler: an account the operator may not touch gets a page that says
   * why in the helpdesk's words, with the way back; anything else goes on to the portal's handler.
   */
  function refusalPage(error: FastifyError, _request: FastifyRequest, reply: FastifyReply) {
    const refusal = ACCOUNT_REFUSALS.find((kind) => kind.is(error));
    if (!refusal) throw error;
    return form(reply, 'helpdesk-refused', { code: refusal.code }, refusal.status);
  }
  return {
    desk,
    userPage,
    refusalPage,
    /** The operator, and the account the action is about. */
    target: async (request: FastifyRequest) => ({ current: await desk(request), guid: guidOf(request) }),
  };
}
