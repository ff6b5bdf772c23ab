/**
 * The command line's own coded errors: what an administrator typed or did not type.
 */
import { createError } from '../errors.ts';

export const UsageInvalid = createError<{ problem: string }>(
  'LK_CLI_USAGE',
  (d) => `${d.problem}. \`latchkey --help\` lists the commands and their options.`,
  400,
);

export const PasswordUnavailable = createError<{ what: string; variable: string }>(
  'LK_PASSWORD_NO_TERMINAL',
  (d) => `There is no terminal to ask for the ${d.what}: run the command in one, or set ${d.variable}.`,
  400,
);

export const PasswordsDiffer = createError<{ what: string }>(
  'LK_PASSWORDS_DIFFER',
  (d) => `The two ${d.what}s typed differ; nothing was done. Run the command again.`,
  400,
);
