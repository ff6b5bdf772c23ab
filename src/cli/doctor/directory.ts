/**
 * `latchkey doctor`: checks an installation from the configuration to the mail server and says,
 * one line per check, what passed, what deserves a look (WARN) and what is broken (FAIL), each
 * failure with the fix. Nothing is changed on the way: a missing database is not created, an
 * old one not migrated; the settings are read, not imported; no key file is created; the
 * delegation is read from the directory, never tried on an account; no message is sent.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { databaseOptions, initialSettings, masterKeyFile } from '../../app.ts';
import { createAuditRecorder } from '../../audit/recorder.ts';
import { describeDrift, settingsDrift } from '../../config/drift.ts';
import { ConfigInvalid, describeIssue } from '../../config/load.ts';
import { type Config, type RuntimeSettings, runtimeSchema } from '../../config/schema.ts';
import { downLevelName, type Grantee, grantInstructions, powershellString } from '../../directory/delegation-commands.ts';
import { assessDelegation, REQUIRED_RIGHTS, type RightFinding, tokenSids } from '../../directory/delegation.ts';
import type { DirectoryDiagnostics, WritableAttributes } from '../../directory/diagnostics.ts';
import type { Directory, DirectoryUser, DomainInfo } from '../../directory/directory.ts';
import { DirectoryTlsFailed, GroupAmbiguous, GroupNotFound, ServiceAccountRejected, UserNotFound } from '../../directory/errors.ts';
import { protectedGroupName } from '../../directory/protected-groups.ts';
import { parseSecurityDescriptor } from '../../directory/security-descriptor.ts';
import { type CertificateFacts, peerCertificate } from '../../directory/tls.ts';
import { LatchkeyError } from '../../errors.ts';
import { createMailer } from '../../notify/mailer.ts';
import { twilioGateway } from '../../notify/sms-twilio.ts';
import { httpGateway } from '../../notify/sms-http.ts';
import { directoryFor } from '../../runtime.ts';
import { ADMIN_GROUP_KEY, pinnedAdminSid } from '../../settings/admin-group.ts';
import { loadMasterKey, type MasterKeys } from '../../settings/master-key.ts';
import { SettingsService } from '../../settings/service.ts';
import { connectDatabase } from '../../store/database.ts';
import { certificateFiles, generatedCertificate, hasGeneratedCertificate, TlsFilesUnreadable, TlsRequired } from '../../web/tls.ts';
import { type DatabaseLocation, exists, type ExistingDatabase, holdsSettings, openExistingDatabase } from '../existing-database.ts';

const DAY_MS = 86_400_000;
/** A DC certificate with fewer days left than this is a warning. */
export const CERTIFICATE_WARN_DAYS = 30;
/** How long the SMS gateway may take to answer the reachability probe. */
const GATEWAY_TIMEOUT_MS = 5_000;
/** Width of the check-name column, so the summaries line up. */
const NAME_WIDTH = 10;

/** A check's outcome. SKIP: it could not run because an earlier check failed. */
export type CheckStatus = 'PASS' | 'WARN' | 'FAIL' | 'SKIP';

/** One line of the report and the indented lines under it (facts, then the fix). */
export interface CheckResult {
  status: CheckStatus;
  name: string;
  summary: string;
  details: string[];
}

/** How runDoctor is run: the environment (LATCHKEY_MASTER_KEY) and where lines go. */
export interface DoctorOptions {
  env?: NodeJS.ProcessEnv;
  out?: (line: string) => void;
  /** The clock for certificate expiry (tests). */
  now?: () => number;
}

/** The settings the checks run with, and where an administrator changes them. */
interface LoadedSettings {
  settings: RuntimeSettings;
  from: 'database' | 'config file';
  /** The SID an earlier start pinned `admin.group` to, if any. */
  adminGroupSid?: string;
}

/**
 * Runs every check in order, printing each line as soon as it is known. Returns the exit code:
 * 0 when nothing failed (warnings allowed), 1 otherwise.
 */
export async function runDoctor(config: Config, options: DoctorOptions = {}): Promise<number> {
  const out = options.out ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const now = options.now ?? (() => Date.now());
  let failed = false;
  const report = (result: CheckResult) => {
    failed ||= result.status === 'FAIL';
    for (const line of formatResult(result)) out(line);
  };

  report(await configCheck(config));
  report(webCertificateCheck(config, now()));
  let database: ExistingDatabase | DatabaseLocation;
  try {
    database = await openExistingDatabase(config);
  } catch (error) {
    report(failure('database', error, ['fix: check database.url (DATABASE_URL), and that the server answers, then run the doctor again']));
    return 1;
  }
  const existing = exists(database) ? database : null;
  try {
    const verdict = databaseCheck(database);
    report(verdict);
    if (verdict.status === 'FAIL') return 1;
    const loaded = await loadSettings(config, existing, options.env ?? process.env, now, report);
    if (!loaded) {
      skip(report, ['directory', 'smtp', 'sms'], 'the settings could not be read');
      return 1;
    }
    await directoryChecks(config, loaded, now, report);
    report(await smtpCheck(loaded.settings));
    report(await smsCheck(loaded.settings));
  } finally {
    await existing?.close();
  }
  return failed ? 1 : 0;
}

/** The report lines of one result: `STATUS  name  summary`, then the details indented under the name. */
export function formatResult(check: CheckResult): string[] {
  return [`${check.status}  ${check.name.padEnd(NAME_WIDTH)}  ${check.summary}`, ...check.details.map((line) => `      ${line}`)];
}

function result(status: CheckStatus, name: string, summary: string, details: string[] = []): CheckResult {
  return { status, name, summary, details };
}

/** SKIP lines for checks an earlier failure made impossible, so the report still lists them. */
function skip(report: (check: CheckResult) => void, names: string[], reason: string): void {
  for (const name of names) report(result('SKIP', name, `not checked: ${reason}`));
}

/** A FAIL line for an error: a coded error's message and code, or the error's own words. */
function failure(name: string, error: unknown, details: string[] = []): CheckResult {
  return result('FAIL', name, describeError(error), details);
}

function describeError(error: unknown): string {
  if (error instanceof LatchkeyError) return `${error.message} [${error.code}]`;
  return error instanceof Error ? error.message : String(error);
}

/** Check 1: the config was validated when loaded; say which data folder and database it points at. */
async function configCheck(config: Config): Promise<CheckResult> {
  const connection = connectDatabase(databaseOptions(config));
  // Only the label (no password in it) is wanted; both dialects connect lazily, so nothing was opened.
  await connection.db.destroy();
  const kind = connection.dialect === 'postgres' ? 'PostgreSQL' : 'SQLite';
  return result('PASS', 'config', `valid; data folder ${config.dataDir}; database ${kind} ${connection.label}`);
}

/**
 * Check 2: the web certificate browsers are shown: its subject, names and expiry, and whether it
 * is valid for server.publicUrl's host. Behind a TLS proxy the proxy's certificate is not ours to check.
 */
export function webCertificateCheck(config: Config, now: number): CheckResult {
  const files = certificateFiles(config);
  if (!files) {
    if (!config.server.behindTlsProxy) {
      return failure('web', TlsRequired({}), ['fix: run `latchkey init` for a self-signed certificate, or set server.tls to yours']);
    }
    const unused = hasGeneratedCertificate(config) ? [`the certificate \`latchkey init\` made (${generatedCertificate(config).certFile}) is not used: server.behindTlsProxy wins`] : [];
    return result('PASS', 'web', "plain HTTP behind a TLS-terminating proxy (server.behindTlsProxy): the proxy's certificate is what browsers see", unused);
  }
  if (!files.certFile) {
    return result('WARN', 'web', `${files.pfxFile}: a PKCS#12 file, whose certificate the doctor does not read`, [
      `see it with: openssl pkcs12 -in ${files.pfxFile} -nokeys | openssl x509 -noout -subject -ext subjectAltName -enddate -fingerprint -sha256`,
    ]);
  }
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(readFileSync(files.certFile));
    if (files.keyFile && !cert.checkPrivateKey(createPrivateKey(readFileSync(files.keyFile)))) throw new Error(`the key in ${files.keyFile} is not this certificate's`);
  } catch (error) {
    return failure('web', TlsFilesUnreadable({ file: files.certFile, reason: describeError(error) }));
  }
  const facts: CertificateFacts = {
    subject: cert.subject.replace(/\n/g, ', '),
    issuer: cert.issuer.replace(/\n/g, ', '),
    altNames: (cert.subjectAltName ?? '').split(', ').filter(Boolean),
    validTo: new Date(cert.validTo),
    fingerprint: cert.fingerprint256,
  };
  const expiry = expiryStatus(facts.validTo, now);
  const lines = [`file: ${files.certFile}`, ...certificateLines(facts, expiry.daysLeft)];
  const host = config.server.publicUrl ? new URL(config.server.publicUrl).hostname.replace(/^\[|\]$/g, '') : null;
  const matches = host && (isIP(host) ? cert.checkIP(host) : cert.checkHost(host));
  const summary = `${facts.subject}, ${expiry.daysLeft} days left`;
  if (expiry.status === 'FAIL') return result('FAIL', 'web', `${files.certFile} expired on ${facts.validTo.toISOString().slice(0, 10)}`, [...lines, 'fix: replace it (`latchkey init --force` for a new self-signed one)']);
  if (!host) return result('WARN', 'web', `${summary}; server.publicUrl is not set, so its host cannot be compared`, [...lines, 'fix: set server.publicUrl to the address users reach the portal at']);
  if (!matches) {
    return result('FAIL', 'web', `${summary}; not valid for ${host}, the host of server.publicUrl: browsers will refuse it`, [
      ...lines,
      `fix: a certificate that names ${host} (\`latchkey init --force\` makes one), or correct server.publicUrl`,
    ]);
  }
  if (expiry.status === 'WARN') return result('WARN', 'web', `${summary}; valid for ${host}`, [...lines, 'fix: replace it before it expires']);
  return result('PASS', 'web', `${summary}; valid for ${host}`, lines);
}

/** Check 3: whether the database exists and has this Latchkey's schema; nothing is created or migrated. */
function databaseCheck(database: ExistingDatabase | DatabaseLocation): CheckResult {
  const kind = database.dialect === 'postgres' ? 'PostgreSQL' : 'SQLite';
  if (!exists(database)) {
    return result('WARN', 'database', `no Latchkey database at ${database.label} yet`, [
      'the first `latchkey serve` creates it; the doctor creates nothing, and checks the rest with the config file\'s settings',
      'fix: if the portal has run before, check dataDir and DATABASE_URL (relative paths are taken from the config file\'s folder)',
    ]);
  }
  if (database.unknown.length) {
    return result('FAIL', 'database', `${kind} ${database.label} was updated by a newer Latchkey (migrations ${database.unknown.join(', ')})`, [
      'fix: run the Latchkey version that updated it, or restore a backup made by this one',
    ]);
  }
  if (database.pending.length) {
    return result('WARN', 'database', `${kind} ${database.label} reachable; ${database.pending.length} migration(s) pending (${database.pending.join(', ')})`, [
      'the next `latchkey serve` applies them; the doctor does not',
    ]);
  }
  return result('PASS', 'database', `${kind} ${database.label} reachable, schema migrated to the latest version`);
}

/**
 * Check 4: the master key decrypts every stored secret, and the settings the rest of the checks
 * use (the database's, or the config file's when the database holds none yet). Reads only: a
 * database without settings is not imported into, a missing key file is not created.
 */
async function loadSettings(config: Config, database: ExistingDatabase | null, env: NodeJS.ProcessEnv, now: () => number, report: (check: CheckResult) => void): Promise<LoadedSettings | null> {
  const file = masterKeyFile(config);
  const source = env.LATCHKEY_MASTER_KEY ? 'LATCHKEY_MASTER_KEY' : file;
  const rows = database ? await database.settingRows() : [];
  const secrets = rows.filter((row) => row.secret);
  const inDatabase = holdsSettings(rows);
  let key: MasterKeys | null = null;
  if (secrets.length === 0 && !env.LATCHKEY_MASTER_KEY && !existsSync(file)) {
    report(result('WARN', 'master-key', `no master key yet (${source})`, ['the database holds no secret yet: the first start creates the key; back it up apart from the database']));
  } else {
    try {
      key = loadMasterKey(file, { env });
      for (const row of secrets) key.decrypt(row.key, row.value as string);
    } catch (error) {
      report(failure('master-key', error, [`fix: start with the key that belongs to this database: restore ${file} from the backup made with it, or set LATCHKEY_MASTER_KEY to it`]));
      return null;
    }
    const decrypts = secrets.length ? `decrypts all ${secrets.length} stored secrets` : 'present; the database holds no secret yet';
    report(result('PASS', 'master-key', `${source} (key ${key.id}) ${decrypts}`));
  }
  try {
    if (database && inDatabase && key) {
      const settings = await new SettingsService(database.db, key, createAuditRecorder(database.audit, 'admin', now), now).load();
      const drift = describeDrift(settingsDrift(config, settings));
      if (drift.length) {
        report(result('WARN', 'settings', `read from the database; ${drift.length} setting(s) in the config file differ and are ignored`, [
          ...drift,
          'fix: change them in the admin console (the database\'s are in force since the first start), or remove them from the file',
        ]));
      } else {
        report(result('PASS', 'settings', 'read from the database (the admin console edits them)'));
      }
      const adminGroupSid = pinnedAdminSid(rows.find((row) => row.key === ADMIN_GROUP_KEY)?.value, config.admin.group);
      return { settings, from: 'database', ...(adminGroupSid ? { adminGroupSid } : {}) };
    }
    const parsed = runtimeSchema.safeParse(initialSettings(config));
    if (!parsed.success) throw ConfigInvalid({ source: "the settings the first start imports from the config file", problems: parsed.error.issues.map(describeIssue) });
    report(result('PASS', 'settings', "read from the config file (the database holds none yet; the first start imports them)"));
    return { settings: parsed.data, from: 'config file' };
  } catch (error) {
    report(failure('settings', error));
    return null;
  }
}

/** Where an administrator changes a directory setting, given where the settings live. */
function settingPlace(loaded: LoadedSettings, field: string): string {
  return loaded.from === 'database'
    ? `"${field}" in the admin console's directory settings`
    : `directory.${field} (config file, or LATCHKEY_DIRECTORY__${field.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()})`;
}

/** Checks 5 to 9, on one directory connection. */
async function directoryChecks(config: Config, loaded: LoadedSettings, now: () => number, report: (check: CheckResult) => void): Promise<void> {
  const directory = directoryFor(loaded.settings.directory);
  const diagnostics = directory.diagnostics();
  try {
    let connected = false;
    for (const url of loaded.settings.directory.urls) {
      const check = await serverCheck(diagnostics, url, loaded, now);
      connected ||= check.connected;
      report(check.result);
    }
    const later = ['privileges', 'delegation', 'lockout', 'groups', 'policy'];
    if (!connected) return skip(report, ['service', ...later], 'no DC could be reached over trusted TLS');
    let info: DomainInfo;
    try {
      info = await directory.domain();
      report(result('PASS', 'service', `bound as ${loaded.settings.directory.bindDn} (domain ${info.dnsDomain}, ${info.netbiosDomain})`));
    } catch (error) {
      const fix = `fix: check the service account's name and password (${settingPlace(loaded, 'bindDn')}, and bindPassword), and that it is enabled and not locked out`;
      report(failure('service', error, ServiceAccountRejected.is(error) ? [fix] : []));
      return skip(report, later, 'the service account did not bind');
    }
    await accountChecks(directory, diagnostics, info, loaded.settings.directory, report);
    report(await groupsCheck(directory, { group: config.admin.group, sid: loaded.adminGroupSid }, loaded.settings.helpdesk.groups));
    report(policyHintsCheck(info.policyHintsOid));
  } finally {
    await directory.close();
  }
}

/** Checks 7 and 8: what the service account is, and what it may do on each search base. */
async function accountChecks(directory: Directory, diagnostics: DirectoryDiagnostics, info: DomainInfo, settings: RuntimeSettings['directory'], report: (check: CheckResult) => void): Promise<void> {
  // A DC lost half-way fails the check under way, not the whole report.
  let step = 'privileges';
  try {
    const account = await diagnostics.serviceAccount();
    if (!account) {
      report(result('FAIL', 'privileges', `the service account ${settings.bindDn} cannot read its own entry`, ['fix: let it read its own user object (in AD, Authenticated Users may read users by default)']));
      return skip(report, ['delegation', 'lockout'], 'the service account is unknown');
    }
    const grantee: Grantee = { netbiosDomain: info.netbiosDomain, samAccountName: account.samAccountName };
    const bases = settings.searchBases.length ? settings.searchBases : [info.baseDn];
    report(await privilegeCheck(directory, account, grantee, bases));
    step = 'delegation';
    const sids = tokenSids(account.sid, await diagnostics.tokenGroups(account));
    for (const base of bases) for (const check of await baseChecks(diagnostics, base, sids, grantee)) report(check);
  } catch (error) {
    report(failure(step, error));
  }
}

/**
 * The groups that grant power, looked up as the portal does: the admin group (a name that finds
 * no group, or several, stops the portal's start unless an earlier start pinned it) and each
 * helpdesk group (one that is not pinned grants nothing). A pinned group whose name now finds
 * another group is told too: the pin still holds, but the setting says something else.
 */
async function groupsCheck(
  directory: Directory,
  admin: { group: string; sid: string | undefined },
  helpdesk: RuntimeSettings['helpdesk']['groups'],
): Promise<CheckResult> {
  const lines: string[] = [];
  let status: CheckStatus = 'PASS';
  const worse = (next: CheckStatus) => (status = status === 'FAIL' || next === 'PASS' ? status : next);
  const look = async (role: string, reference: string, pinnedSid: string | undefined, unresolved: CheckStatus) => {
    try {
      const found = await directory.resolveGroup(reference);
      if (pinnedSid && pinnedSid !== found.sid) {
        worse('WARN');
        lines.push(`${role} ${JSON.stringify(reference)} is pinned to ${pinnedSid}, but the name now finds ${found.dn} (${found.sid}): save it again naming the one meant`);
      } else lines.push(`${role} ${JSON.stringify(reference)}: ${found.dn}`);
    } catch (error) {
      if (!GroupNotFound.is(error) && !GroupAmbiguous.is(error)) throw error;
      worse(pinnedSid ? 'WARN' : unresolved);
      lines.push(`${role} ${JSON.stringify(reference)}: ${error.message}${pinnedSid ? ` (still pinned to ${pinnedSid})` : ''}`);
    }
  };
  try {
    await look('admin group', admin.group, admin.sid, 'FAIL');
    for (const entry of helpdesk) await look('helpdesk group', entry.group, entry.sid, 'WARN');
  } catch (error) {
    return failure('groups', error);
  }
  const summary = status === 'PASS' ? `each names exactly one group (${1 + helpdesk.length})` : 'a group setting does not name exactly one group';
  return result(status, 'groups', summary, lines);
}

/**
 * What a certificate's expiry means: expired is a failure, under CERTIFICATE_WARN_DAYS days a
 * warning. Pure, for tests.
 */
export function expiryStatus(validTo: Date, now: number): { status: CheckStatus; daysLeft: number } {
  const daysLeft = Math.floor((validTo.getTime() - now) / DAY_MS);
  return { status: validTo.getTime() <= now ? 'FAIL' : daysLeft < CERTIFICATE_WARN_DAYS ? 'WARN' : 'PASS', daysLeft };
}

/** The lines that describe a certificate. */
function certificateLines(cert: CertificateFacts, daysLeft: number): string[] {
  return [
    `subject: ${cert.subject}`,
    `names: ${cert.altNames.join(', ') || '(none)'}`,
    `issuer: ${cert.issuer}`,
    `valid until: ${cert.validTo.toISOString().slice(0, 10)} (${daysLeft} days left)`,
    `SHA-256 fingerprint: ${cert.fingerprint}`,
  ];
}

/**
 * Check 5, for one DC: a connection with the configured trust, and the certificate's facts.
 * An untrusted certificate is shown as SSH shows an unknown host key: by its fingerprint, to be
 * compared on the DC itself before it is pinned.
 */
async function serverCheck(diagnostics: DirectoryDiagnostics, url: string, loaded: LoadedSettings, now: () => number): Promise<{ result: CheckResult; connected: boolean }> {
  // Read without trusting it, so that an untrusted certificate can be shown; only ldaps:// (peerCertificate speaks no StartTLS).
  const cert = url.toLowerCase().startsWith('ldaps://') ? await peerCertificate(url).catch(() => null) : null;
  const expiry = cert && expiryStatus(cert.validTo, now());
  const facts = cert && expiry ? certificateLines(cert, expiry.daysLeft) : [`certificate details: openssl s_client -starttls ldap -connect ${new URL(url).host} </dev/null | openssl x509 -noout -text -fingerprint -sha256`];
  try {
    await diagnostics.checkServer(url);
  } catch (error) {
    if (!DirectoryTlsFailed.is(error)) {
      return { connected: false, result: failure('directory', error, ['fix: check that the DC is running and that this machine reaches it on that port']) };
    }
    if (cert && expiry?.status === 'FAIL') return { connected: false, result: expiredResult(url, cert, facts) };
    const fingerprint = cert?.fingerprint ?? '<the fingerprint the command above shows>';
    const caField = loaded.from === 'database' ? 'caPem' : 'caFile';
    return {
      connected: false,
      result: result('FAIL', 'directory', `${url} certificate not trusted: ${String(error.details.reason)}`, [
        `The authenticity of ${url} can't be established.`,
        ...facts,
        'fix: compare the fingerprint with the DC certificate on the DC itself, e.g. in PowerShell there:',
        "  Get-ChildItem Cert:\\LocalMachine\\My | ForEach-Object { $_.Subject; [BitConverter]::ToString([Security.Cryptography.SHA256]::Create().ComputeHash($_.RawData)).Replace('-', ':') }",
        `if it is the same, either give the CA that issued it: ${settingPlace(loaded, caField)}`,
        `or pin the certificate: ${settingPlace(loaded, 'fingerprint')} = ${fingerprint}`,
      ]),
    };
  }
  if (!cert || !expiry) return { connected: true, result: result('PASS', 'directory', `${url} trusted (StartTLS)`, facts) };
  const summary = `${url} trusted (${cert.subject}, ${expiry.daysLeft} days left)`;
  if (expiry.status === 'PASS') return { connected: true, result: result('PASS', 'directory', summary, facts) };
  // Only a pinned certificate gets here expired: pinning skips the chain checks, expiry included.
  if (expiry.status === 'FAIL') return { connected: true, result: expiredResult(url, cert, facts) };
  return { connected: true, result: result('WARN', 'directory', summary, [...facts, RENEW]) };
}

const RENEW = 'fix: renew the DC certificate (and pin the new fingerprint if it is pinned)';

function expiredResult(url: string, cert: CertificateFacts, facts: string[]): CheckResult {
  return result('FAIL', 'directory', `${url} certificate expired on ${cert.validTo.toISOString().slice(0, 10)}`, [...facts, RENEW]);
}

/** Why a service account in Domain Admins is a failure, said in the failure. */
const PRIVILEGED_ADVICE = [
  'A service account in Domain Admins gives the portal far more power than it needs: whoever takes the portal',
  'takes the domain. Remove the service account from the Domain Admins group and grant only the required',
  'permissions.',
];

/**
 * Check 7: the service account must not be privileged. A protected group (nested or primary
 * included) is a loud failure; adminCount alone, left behind by an old membership, a warning.
 */
async function privilegeCheck(directory: Directory, account: DirectoryUser, grantee: Grantee, bases: string[]): Promise<CheckResult> {
  const protection = await directory.protection(account);
  const name = downLevelName(grantee);
  if (!protection.protected) return result('PASS', 'privileges', `${name} is in no privileged group`);
  const memberships = protection.reasons.filter((reason) => reason.startsWith('member of'));
  if (memberships.length === 0) {
    return result('WARN', 'privileges', `${name} has adminCount = 1 (once privileged), though it is in no privileged group now`, [
      'AD keeps adminCount and the protected ACL after the membership ends; clear both:',
      `  Set-ADUser -Identity ${powershellString(account.samAccountName)} -Clear adminCount`,
      `  dsacls "${account.dn}" /P:N`,
    ]);
  }
  // Removal works on direct memberships; the nested ones end with the group that nests them.
  const direct = (await directory.groupsOf(account)).filter((group) => group.direct && protectedGroupName(group.sid));
  const primary = direct.find((group) => group.sid.endsWith(`-${account.primaryGroupId}`));
  const sam = powershellString(account.samAccountName);
  return result('FAIL', 'privileges', `${name} is a PRIVILEGED account: ${protection.reasons.join(', ')}`, [
    ...PRIVILEGED_ADVICE,
    'fix: run Latchkey as a dedicated account that is in no privileged group; for this one, remove it (PowerShell):',
    // A primary group cannot be left: Domain Users (which AD made a member group when the primary group changed) takes its place first.
    ...(primary ? [`  Set-ADUser -Identity ${sam} -Replace @{primaryGroupID=513}  # Domain Users instead of ${primary.name}`] : []),
    ...direct.map((group) => `  Remove-ADGroupMember -Identity ${powershellString(group.dn)} -Members ${sam} -Confirm:$false`),
    ...(direct.length ? [] : ['  (every membership is through nested groups: remove it from the group that nests it)']),
    'then delegate only the three rights it needs, on each search base:',
    ...bases.flatMap((base) => grantInstructions(base, grantee, REQUIRED_RIGHTS).map((line) => `  ${line}`)),
  ]);
}

/** On one search base: the delegated rights (check 8) and whether the lockout guard can work. */
async function baseChecks(diagnostics: DirectoryDiagnostics, base: string, sids: ReadonlySet<string>, grantee: Grantee): Promise<CheckResult[]> {
  let findings: RightFinding[];
  let sample: WritableAttributes | null;
  try {
    const descriptor = await diagnostics.securityDescriptor(base);
    sample = await diagnostics.writableAttributes(base);
    findings = assessDelegation(
      { dacl: descriptor ? parseSecurityDescriptor(descriptor).dacl : 'unreadable', sample: sample && { dn: sample.dn, writable: sample.attributes } },
      sids,
    );
  } catch (error) {
    if (UserNotFound.is(error)) return [result('FAIL', 'delegation', `${base} does not exist`, ['fix: correct the search bases in the directory settings'])];
    return [failure('delegation', error)];
  }
  return [delegationResult(base, findings, grantee), lockoutGuardResult(base, sample, grantee)];
}

/** Check 8, for one search base: the three rights, as read from the directory. */
function delegationResult(base: string, findings: RightFinding[], grantee: Grantee): CheckResult {
  const evidence = findings.map((finding) => `${finding.right.name}: ${finding.state} (${finding.evidence})`);
  const missing = findings.filter((finding) => finding.state === 'missing').map((finding) => finding.right);
  const name = downLevelName(grantee);
  if (missing.length) {
    return result('FAIL', 'delegation', `${base}: ${name} lacks ${missing.map((right) => right.name).join(', ')}`, [
      ...evidence,
      'fix: grant what is missing:',
      ...grantInstructions(base, grantee, missing).map((line) => `  ${line}`),
    ]);
  }
  if (findings.some((finding) => finding.state === 'unknown')) {
    return result('WARN', 'delegation', `${base}: could not verify every right of ${name}`, [
      ...evidence,
      'fix: let the service account read the OU (Read permissions, granted to Authenticated Users by default)',
    ]);
  }
  return result('PASS', 'delegation', `${base}: ${name} holds ${findings.map((finding) => finding.right.name).join(', ')}`, evidence);
}

/** Whether the service account reads badPwdCount here: without it the pages cannot tell a try that would lock an account. */
function lockoutGuardResult(base: string, sample: WritableAttributes | null, grantee: Grantee): CheckResult {
  const name = downLevelName(grantee);
  if (!sample) return result('WARN', 'lockout', `${base}: no user to read badPwdCount on; the lockout guard is unverified`);
  if (sample.lockoutCountReadable) return result('PASS', 'lockout', `${base}: ${name} reads badPwdCount (no page tries a password that would lock an account)`);
  return result('WARN', 'lockout', `${base}: ${name} cannot read badPwdCount of ${sample.dn}`, [
    'without it the sign-in and change pages cannot see that one more wrong password would lock an account, and only the rate limits stand in the way',
    'fix: Authenticated Users read it by default (the Logon Information property set); look for a deny on the OU, or grant it:',
    `  dsacls "${base}" /I:S /G "${name}:RP;badPwdCount;user"`,
  ]);
}

/** Check 9: whether resets can be checked against the password history. */
function policyHintsCheck(oid: string | null): CheckResult {
  if (oid) return result('PASS', 'policy', `the DC supports the password-policy-hints control (${oid}): resets keep to the password history`);
  return result('WARN', 'policy', 'the DC lists no password-policy-hints control: resets by Latchkey are not checked against the password history', [
    'a user may set a password used before; Windows Server 2012 R2 and later DCs support the control (Samba does not)',
  ]);
}

/** Check 10a: the mail server answers (and accepts the login, when one is set). */
async function smtpCheck(settings: RuntimeSettings): Promise<CheckResult> {
  const smtp = settings.smtp;
  if (!smtp) return result('WARN', 'smtp', 'not configured: no codes or notices by e-mail', ['fix: configure SMTP in the admin console if users should get codes by e-mail']);
  const mailer = createMailer(smtp);
  try {
    await mailer.verify();
    const summary = `${smtp.host}:${smtp.port} answers (${smtp.security}${smtp.user ? `, signed in as ${smtp.user}` : ''})`;
    if (smtp.security === 'none') {
      return result('WARN', 'smtp', `${summary}, unencrypted: codes and notices cross the network readable${smtp.user ? ', and so does the SMTP password' : ''}`, [
        'fix: set security to starttls (port 587) or tls (port 465) in the admin console, if the mail server offers it',
      ]);
    }
    return result('PASS', 'smtp', summary);
  } catch (error) {
    return failure('smtp', error, ['fix: check the SMTP host, port, security and login in the admin console']);
  } finally {
    mailer.close();
  }
}

/**
 * Check 10b: the SMS gateway is configured and its host answers. Nothing is sent: a HEAD request
 * to the gateway's origin carries neither the credentials nor a message, and any HTTP answer
 * shows that the name resolves and the TLS certificate is trusted.
 */
async function smsCheck(settings: RuntimeSettings): Promise<CheckResult> {
  const sms = settings.sms;
  if (!sms) return result('WARN', 'sms', 'not configured: no codes by text message', ['fix: configure an SMS gateway in the admin console if users should get codes by text message']);
  try {
    const gateway = sms.provider === 'twilio' ? twilioGateway(sms) : httpGateway(sms);
    const origin = new URL(gateway.server).origin;
    const response = await fetch(origin, { method: 'HEAD', redirect: 'manual', signal: AbortSignal.timeout(GATEWAY_TIMEOUT_MS) });
    await response.body?.cancel();
    return result('PASS', 'sms', `${sms.provider} gateway ${origin} answers (HTTP ${response.status}); no message was sent`);
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return failure('sms', error instanceof LatchkeyError ? error : new Error(`the gateway does not answer (${describeError(error)}${cause})`), [
      'fix: check the gateway URL, and that this machine resolves and reaches it',
    ]);
  }
}
