/**
 * Writes whose outcome is always known: when a modify's answer is lost with the connection, the
 * account is read again on the same DC to find out whether the DC made it (write-outcome.ts
 * decides from what is read) before anything is told to the user.
 */
import { Attribute, Change, type Client, type Control } from 'ldapts';
import { type AdConnection, type OperationLabel, readOne, type Session } from './active-directory-connection.ts';
import { isLostAfterSending, translateLdapError } from './ad-errors.ts';
import type { DirectoryUser, WriteReceipt } from './directory.ts';
import { UserNotFound } from './errors.ts';
import { type AccountMarks, accountMarks, type IntendedChange, MARK_ATTRIBUTES, MARK_BINARY_ATTRIBUTES, settleLostWrite } from './write-outcome.ts';

/** Replaces all values of `type` with `values` (none: removes them all). */
export function replace(type: string, ...values: string[] | Buffer[]): Change {
  return new Change({ operation: 'replace', modification: new Attribute({ type, values }) });
}

/**
 * Sends a modify on `session`. When its answer is lost, the account is read again on a fresh
 * service connection (of `connection`'s configuration) to the same DC.
 */
export async function confirmedModify(
  connection: AdConnection,
  session: Session,
  user: DirectoryUser,
  context: OperationLabel,
  changes: Change[],
  intended: IntendedChange,
  controls?: Control[],
): Promise<WriteReceipt> {
  try {
    await session.client.modify(user.dn, changes, controls);
    return { confirmedAfterDrop: false };
  } catch (error) {
    if (!isLostAfterSending(error)) throw error;
    const lost = translateLdapError(error, { ...context, server: session.url });
    return settleLostWrite(intended, () => marksAt(connection, session.url, user.dn), lost, { server: session.url, operation: context.operation, dn: user.dn });
  }
}

/**
 * A password write by confirmedModify. The account's marks are read first on the same
 * connection (`before`, when the caller started reading them earlier): before and after must
 * come from the DC that takes the write.
 */
export async function confirmedPasswordModify(
  connection: AdConnection,
  session: Session,
  user: DirectoryUser,
  context: OperationLabel,
  changes: Change[],
  controls?: Control[],
  before: Promise<AccountMarks> = readMarks(session.client, user.dn),
): Promise<WriteReceipt> {
  return confirmedModify(connection, session, user, context, changes, { kind: 'password', before: await before }, controls);
}

/** The account's marks, read on a connection of its own to the DC at `url`. */
async function marksAt(connection: AdConnection, url: string, dn: string): Promise<AccountMarks> {
  const single = connection.only(url);
  try {
    return await single.asService({ operation: 'read the account again', dn }, (client) => readMarks(client, dn));
  } finally {
    await single.close();
  }
}

/** The account's marks (what a password write changes), read on `client`. */
export async function readMarks(client: Client, dn: string): Promise<AccountMarks> {
  const entry = await readOne(client, dn, MARK_ATTRIBUTES, MARK_BINARY_ATTRIBUTES);
  if (!entry) throw UserNotFound({});
  return accountMarks(entry);
}
