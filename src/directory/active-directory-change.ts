/**
 * A password change as the user: the modify deletes the old password and adds the new one, and
 * the DC checks the old one itself. The connection bound to prove the old password may be held
 * for the change (a HeldBind): one TLS handshake and one bind instead of two, and the account's
 * marks (read on it, to settle an answer lost with the connection) read while the flow checks
 * the new password.
 */
import { Attribute, Change } from 'ldapts';
import type { AdConnection, OperationLabel, Session } from './active-directory-connection.ts';
import { confirmedPasswordModify, readMarks } from './active-directory-writes.ts';
import { bindFailureError, bindFailureOf, translateLdapError } from './ad-errors.ts';
import { encodeUnicodePwd } from './ad-values.ts';
import type { DirectoryUser, HeldBind, WriteReceipt } from './directory.ts';
import { InvalidCredentials } from './errors.ts';

/** A held bind unused this long is closed: the flow that asked for it went elsewhere. */
const HOLD_MS = 30_000;

const changeContext = (user: DirectoryUser): OperationLabel => ({ operation: 'change the password', dn: user.dn, rights: ['Change Password'] });

function passwordChanges(oldPassword: string, newPassword: string): Change[] {
  return [
    new Change({ operation: 'delete', modification: new Attribute({ type: 'unicodePwd', values: [encodeUnicodePwd(oldPassword)] }) }),
    new Change({ operation: 'add', modification: new Attribute({ type: 'unicodePwd', values: [encodeUnicodePwd(newPassword)] }) }),
  ];
}

/** Changes the password on a connection of its own, bound as the user with the old password. */
export async function changePasswordAsUser(connection: AdConnection, user: DirectoryUser, oldPassword: string, newPassword: string): Promise<WriteReceipt> {
  if (oldPassword === '') throw InvalidCredentials({});
  const context = changeContext(user);
  const changes = passwordChanges(oldPassword, newPassword);
  let session: Session;
  try {
    session = await connection.open(user.dn, oldPassword);
  } catch (error) {
    const reason = bindFailureOf(error);
    if (reason !== 'must-change' && reason !== 'password-expired') {
      throw reason ? bindFailureError(reason) : connection.translate(error, context);
    }
    // AD refuses a bind with an expired or must-change password even though it is right.
    // The change itself is open to anyone who knows the old password (the Change Password
    // right is granted to Everyone), so it goes through the service account's connection.
    return connection.asService(context, (client, url) => confirmedPasswordModify(connection, { client, url }, user, context, changes));
  }
  return changeOn(connection, session, user, changes);
}

/** `session`, bound as `user` with `oldPassword`, held for a change of that password. */
export function holdBind(connection: AdConnection, session: Session, user: DirectoryUser, oldPassword: string): HeldBind {
  const before = readMarks(session.client, user.dn);
  before.catch(() => undefined); // read again, and its failure met, at the change
  let open = true;
  const release = async () => {
    if (!open) return;
    open = false;
    clearTimeout(timer);
    await session.client.unbind().catch(() => undefined);
  };
  const timer = setTimeout(() => void release(), HOLD_MS);
  timer.unref();
  return {
    async changePassword(newPassword) {
      if (!open) return changePasswordAsUser(connection, user, oldPassword, newPassword);
      open = false;
      clearTimeout(timer);
      return changeOn(connection, session, user, passwordChanges(oldPassword, newPassword), before);
    },
    release,
  };
}

async function changeOn(
  connection: AdConnection,
  session: Session,
  user: DirectoryUser,
  changes: Change[],
  before?: ReturnType<typeof readMarks>,
): Promise<WriteReceipt> {
  const context = changeContext(user);
  try {
    return await confirmedPasswordModify(connection, session, user, context, changes, undefined, before);
  } catch (error) {
    throw translateLdapError(error, { ...context, server: session.url });
  } finally {
    await session.client.unbind().catch(() => undefined);
  }
}
