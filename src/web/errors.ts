/**
 * The web layer's own coded errors: a page that does not exist, a request that cannot be read,
 * a form whose CSRF token no longer matches.
 */
import { createError } from '../errors.ts';

export const NotFound = createError('LK_NOT_FOUND', 'There is no page at this address. Check the address, or go back to the start.', 404);

export const BadRequest = createError('LK_BAD_REQUEST', 'The request could not be read (too large or malformed). Go back and try again.', 400);

export const FormExpired = createError(
  'LK_FORM_EXPIRED',
  'The form was refused because its security token is missing or no longer valid. Reload the page and try again.',
  403,
);

/** Shed under a flood (pressure.ts): the same page for every request, whatever it was for. */
export const Busy = createError('LK_BUSY', 'The portal is busy right now. Try again in a minute.', 503);
