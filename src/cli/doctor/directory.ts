/**
 * The directory checks, on one connection: each DC over trusted TLS (with its certificate), the
 * service account's bind, then what the account is and may do (service-account.ts), the groups
 * that grant power (groups.ts), and the password-policy-hints control.
 */
import type { Config } from '../../config/schema.ts';
import type { DirectoryDiagnostics } from '../../directory/diagnostics.ts';
import type { DomainInfo } from '../../directory/directory.ts';
import { DirectoryTlsFailed, PasswordMustChange, ServiceAccountRejected } from '../../directory/errors.ts';
import { type CertificateFacts, peerCertificate } from '../../directory/tls.ts';
import { directoryFor } from '../../runtime.ts';
import { certificateLines, expiryStatus } from './certificates.ts';
import { groupsCheck } from './groups.ts';
import { HYGIENE_CHECKS, hygieneChecks, mustChangeResult } from './hygiene.ts';
import { type CheckResult, failure, type Report, result, skip } from './report.ts';
import { accountChecks } from './service-account.ts';
import { type LoadedSettings, settingPlace } from './settings.ts';

/**
 * Every DC, then (when one was reached over trusted TLS) the service account's bind, what the
 * account is and may do, the groups and the policy control: all on one directory connection.
 */
export async function directoryChecks(config: Config, loaded: LoadedSettings, now: () => number, report: Report): Promise<void> {
  const directory = directoryFor(loaded.settings.directory);
  const diagnostics = directory.diagnostics();
  try {
    let connected = false;
    for (const url of loaded.settings.directory.urls) {
      const check = await serverCheck(diagnostics, url, loaded, now);
      connected ||= check.connected;
      report(check.result);
    }
    const later = ['privileges', 'delegation', 'lockout', 'protected', ...HYGIENE_CHECKS, 'groups', 'policy'];
    if (!connected) return skip(report, ['service', ...later], 'no DC could be reached over trusted TLS');
    let info: DomainInfo;
    try {
      info = await directory.domain();
      report(result('PASS', 'service', `bound as ${loaded.settings.directory.bindDn} (domain ${info.dnsDomain}, ${info.netbiosDomain})`));
    } catch (error) {
      const fix = `fix: check the service account's name and password (${settingPlace(loaded, 'bindDn')}, and bindPassword), and that it is enabled and not locked out`;
      report(failure('service', error, ServiceAccountRejected.is(error) ? [fix] : []));
      // The DC says why, and "must change at next logon" is a hygiene failure of its own.
      const mustChange = ServiceAccountRejected.is(error) && error.details.reason === PasswordMustChange.code;
      if (mustChange) report(mustChangeResult(loaded.settings.directory.bindDn, loaded.settings.directory.bindDn));
      return skip(
        report,
        later.filter((name) => !mustChange || name !== 'pwd-age'),
        'the service account did not bind',
      );
    }
    const subject = await accountChecks(directory, diagnostics, info, loaded.settings.directory, protectedAllowedBy(loaded.settings), report);
    if (subject) await hygieneChecks(diagnostics, subject, info, loaded.settings, now(), report);
    else skip(report, HYGIENE_CHECKS, 'the service account is unknown');
    report(await groupsCheck(directory, { group: config.admin.group, sid: loaded.adminGroupSid }, loaded.settings));
    report(policyHintsCheck(info.policyHintsOid));
  } finally {
    await directory.close();
  }
}

/**
 * For one DC: a connection with the configured trust, and the certificate's facts.
 * An untrusted certificate is shown as SSH shows an unknown host key: by its fingerprint, to be
 * compared on the DC itself before it is pinned.
 */
async function serverCheck(
  diagnostics: DirectoryDiagnostics,
  url: string,
  loaded: LoadedSettings,
  now: () => number,
): Promise<{ result: CheckResult; connected: boolean }> {
  // Read without trusting it, so that an untrusted certificate can be shown; only ldaps:// (peerCertificate speaks no StartTLS).
  const cert = url.toLowerCase().startsWith('ldaps://') ? await peerCertificate(url).catch(() => null) : null;
  const expiry = cert && expiryStatus(cert.validTo, now());
  const facts =
    cert && expiry
      ? certificateLines(cert, expiry.daysLeft)
      : [`certificate details: openssl s_client -starttls ldap -connect ${new URL(url).host} </dev/null | openssl x509 -noout -text -fingerprint -sha256`];
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

/** The settings that let privileged accounts be reset: self-service, or a helpdesk group's operators. */
function protectedAllowedBy(settings: LoadedSettings['settings']): string[] {
  return [
    ...(settings.protection.allowProtectedAccounts ? ['protection.allowProtectedAccounts'] : []),
    ...settings.helpdesk.groups.filter((group) => group.allowProtected).map((group) => `allowProtected of helpdesk group ${JSON.stringify(group.group)}`),
  ];
}

/** Whether resets can be checked against the password history. */
function policyHintsCheck(oid: string | null): CheckResult {
  if (oid) return result('PASS', 'policy', `the DC supports the password-policy-hints control (${oid}): resets keep to the password history`);
  return result('WARN', 'policy', 'the DC lists no password-policy-hints control: resets by Latchkey are not checked against the password history', [
    'a user may set a password used before; Windows Server 2012 R2 and later DCs support the control (Samba does not)',
  ]);
}
