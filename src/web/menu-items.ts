/**
 * Menu items the admin hid (settings `menu.hide`): each flow's route plugin adds `hiddenAs404`
 * for its item, so every route of a hidden flow, GET and POST, kiosk address or not, answers
 * exactly as an address with no page. Read per request: a change in the console applies at once.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MENU_ITEMS, type MenuItem } from '../config/menu-schema.ts';
import type { FlowContext } from '../flows/context.ts';

/** The items the menu shows, in its order. */
export function shownItems(ctx: FlowContext): MenuItem[] {
  return MENU_ITEMS.filter((item) => !ctx.policy.menu.hide[item]);
}

/** onRequest for the routes of `item`'s flow: the not-found page while the item is hidden. */
export function hiddenAs404(ctx: FlowContext, item: MenuItem) {
  return async (_request: FastifyRequest, reply: FastifyReply) => {
    if (!ctx.policy.menu.hide[item]) return;
    reply.callNotFound();
    return reply;
  };
}
