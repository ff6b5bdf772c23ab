/** The start page: the menu of what a person can do, and links that open one of its pages filled in. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { MENU_ITEMS } from '../../config/menu-schema.ts';
import type { FlowContext } from '../../flows/context.ts';
import { choiceField, readForm, textField } from '../form-schema.ts';
import { isKiosk } from '../kiosk.ts';
import { shownItems } from '../menu-items.ts';

const menuQuery = z.object({ cmd: choiceField(MENU_ITEMS), username: textField(), domain: textField(64) });

export async function menuRoutes(app: FastifyInstance, { ctx }: { ctx: FlowContext }) {
  app.get('/', async (request, reply) => {
    const read = readForm(menuQuery, request.query);
    const items = shownItems(ctx);
    // A link of the form /?cmd=enroll&username=jsmith&domain=CORP (or Netwrix's
    // /pwreset/apr.dll?cmd=…, kiosk.ts) opens that page filled in; an unknown or hidden cmd, the menu.
    const cmd = read.ok ? read.values.cmd : undefined;
    if (read.ok && cmd && items.includes(cmd)) {
      const params = new URLSearchParams();
      for (const name of ['username', 'domain'] as const) if (read.values[name]) params.set(name, read.values[name]);
      return reply.redirect(`/${cmd}${params.size ? `?${params}` : ''}`, 303);
    }
    // My account (/me) too, except in a kiosk: a logon-screen browser is for getting back in, not for signing in to the portal.
    return reply.view('menu', { items, me: !isKiosk(request) });
  });
}
