/**
 * The admin console against the real Samba domain: who gets in, settings that take effect at
 * once and are audited, secrets that never show, the audit viewer and its exports, retention.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parse as parseCsv } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { saveSettings } from '../../testing/admin-console.ts';
import { eventually } from '../../testing/assertions.ts';
import { devDomain, type TestUser } from '../../testing/dev-domain.ts';
import { answerAll, codeSentTo, enroll } from '../../testing/journeys.ts';
import { portalFixture } from '../../testing/portal.ts';
import { csrfOf, type Page, type WebClient, webClient } from '../../testing/web-client.ts';

const facts = devDomain();
// Every test signs in from the same address: limits high enough not to be what is tested here.
const fixture = portalFixture({ protection: { perIp: { max: 1000 }, perUser: { max: 100 } } });

async function signInAs(sam: string, password: string): Promise<Page & { client: WebClient }> {
  const client = webClient(fixture.portal.app.server);
  await client.get('/admin');
  const page = await client.submit('/admin/sign-in', { username: sam, domain: '', password });
  return Object.assign(page, { client });
}

async function admin(): Promise<WebClient> {
  const page = await signInAs(facts.admins.member, facts.userPassword);
  assert.match(page.body, /Dashboard/, 'the admin is in');
  return page.client;
}

const adminTrail = (action: string) => fixture.portal.app.store.audit.query({ category: 'admin', action });

describe('who gets in', () => {
  test('a member of the admin group gets in; a plain user and a helpdesk member do not; the audit shows both', async () => {
    await admin();
    const user: TestUser = await fixture.person();
    const plain = await signInAs(user.sam, user.password);
    assert.match(plain.body, /may not use the admin console/);
    const helpdesk = await signInAs(facts.helpdesk.member, facts.userPassword);
    assert.match(helpdesk.body, /may not use the admin console/);
    assert.doesNotMatch((await helpdesk.client.get('/admin')).body, /Dashboard/);
    const signIns = await adminTrail('sign-in');
    assert.ok(signIns.some((e) => e.actor === facts.admins.member && e.outcome === 'success'));
    assert.ok(signIns.some((e) => e.actor === user.sam && e.outcome === 'refused'));
    assert.ok(signIns.some((e) => e.actor === facts.helpdesk.member && e.outcome === 'refused'));
  });

  test('without an admin session, a crafted settings change is sent to the sign-in page and changes nothing', async () => {
    const client = webClient(fixture.portal.app.server);
    const page = await client.get('/admin');
    const crafted = await client.post('/admin/settings/codes', { 'field:lifetimeMinutes': '99' }, { csrf: csrfOf(page.body) ?? false });
    assert.equal(crafted.status, 303);
    assert.equal(fixture.portal.app.runtime.settings.current().codes.lifetimeMinutes, 10);
  });
});

describe('settings', () => {
  test('an admin form posted without its CSRF token is refused and changes nothing', async () => {
    const console = await admin();
    const page = await console.post(
      '/admin/settings/codes',
      { 'field:lifetimeMinutes': '3', 'field:maxFailures': '5', 'field:resendCooldownSeconds': '30' },
      { csrf: false },
    );
    assert.equal(page.status, 403);
    assert.equal(fixture.portal.app.runtime.settings.current().codes.lifetimeMinutes, 10);
  });

  test('a settings section that does not exist is a 404 that says so in words', async () => {
    const page = await (await admin()).get('/admin/settings/no-such-section');
    assert.equal(page.status, 404);
    assert.match(page.body, /The admin console has no such page/);
    assert.doesNotMatch(page.body, /LK_|could not be read|Error:/);
  });

  test('a CA certificate pasted as PEM is trusted', async () => {
    const console = await admin();
    const { readFileSync } = await import('node:fs');
    const pem = readFileSync(facts.caFile, 'utf8');
    const tested = await saveSettings(console, 'directory', { 'field:caFile': '', 'field:caPem': pem }, '/test');
    assert.match(tested.body, /Test passed/);
    const untrusted = await saveSettings(console, 'directory', { 'field:caFile': '' }, '/test');
    assert.match(untrusted.body, /Test failed:.*LK_DIRECTORY_TLS/s, 'without a CA the DC is not trusted');
  });

  test('a shorter code lifetime applies at once, to a code already sent, and is audited old → new', async () => {
    const user = await fixture.person();
    const client = webClient(fixture.portal.app.server);
    await enroll(client, user);
    await client.get('/reset');
    await answerAll(client, 'reset', await client.submit('/reset', { username: user.sam, domain: '' }));
    await client.submit('/reset/send', { channel: 'email' });
    const code = await codeSentTo(`${user.sam}@${facts.dnsDomain}`, fixture.portal.outbox);

    const console = await admin();
    const saved = await saveSettings(console, 'codes', { 'field:lifetimeMinutes': '1' });
    assert.match(saved.body, /Saved: 1 settings changed/);
    fixture.portal.advanceClock(2 * 60_000);
    try {
      const page = await client.submit('/reset/code', { code });
      assert.match(page.body, /That code has expired/);
    } finally {
      fixture.portal.advanceClock(-2 * 60_000);
      await saveSettings(console, 'codes', { 'field:lifetimeMinutes': '10' });
    }
    const changes = await adminTrail('settings-change');
    assert.ok(changes.some((e) => e.actor === facts.admins.member && e.detail === 'codes.lifetimeMinutes: 10 → 1'));
  });

  test('a bad value is named on its field and nothing changes', async () => {
    const console = await admin();
    const page = await saveSettings(console, 'codes', { 'field:maxFailures': '0', 'field:lifetimeMinutes': '7' });
    assert.match(page.body, /id="field:maxFailures-error">Wrong codes before the attempt is locked must be at least 1\./);
    assert.match(page.body, /aria-invalid="true"/);
    assert.equal(fixture.portal.app.runtime.settings.current().codes.lifetimeMinutes, 10, 'the whole section was refused');
  });

  test('the directory test reports success, and a wrong password exactly', async () => {
    const console = await admin();
    const passed = await saveSettings(console, 'directory', {}, '/test');
    assert.match(passed.body, /Test passed:.*bound as the service account/s);
    const failed = await saveSettings(console, 'directory', { 'field:bindPassword': 'not-the-password' }, '/test');
    assert.match(failed.body, /Test failed:.*LK_SERVICE_ACCOUNT_REJECTED/s);
    assert.doesNotMatch(failed.body, /not-the-password/, 'a typed secret is not sent back');
    assert.ok((await adminTrail('settings-test')).some((e) => e.outcome === 'failure' && /directory/.test(e.detail ?? '')));
  });

  test('secrets are write-only: the pages never hold them, an empty field keeps them', async () => {
    const console = await admin();
    for (const section of ['directory', 'smtp', 'sms']) {
      const page = await console.get(`/admin/settings/${section}`);
      assert.doesNotMatch(page.body, new RegExp(facts.serviceAccount.password.replace(/[-/\\^$*+?.()|[\]{}]/g, '\\$&')), section);
      assert.doesNotMatch(page.body, new RegExp(fixture.portal.twilio.authToken), section);
    }
    const saved = await saveSettings(console, 'directory', { 'field:timeoutMs': '9000' });
    assert.match(saved.body, /Saved/);
    assert.ok(await fixture.portal.app.directory.findUser(facts.users.staff[0]!), 'the stored password still binds');
    const change = (await adminTrail('settings-change')).find((e) => e.detail?.startsWith('directory.timeoutMs'));
    assert.ok(change);
    await saveSettings(console, 'directory', { 'field:timeoutMs': '10000' });
  });
});

describe('audit viewer', () => {
  test('search reaches entries older than the newest 1,000, by username in any case, with filters combined', async () => {
    const { store } = fixture.portal.app;
    const at = Date.now() - 86_400_000;
    await store.audit.record({ at, category: 'self-service', actor: 'Old.Timer', action: 'reset', outcome: 'failure', sourceIp: '10.9.9.9', detail: 'x' });
    await store.audit.record({ at, category: 'self-service', actor: 'old.timer', action: 'change', outcome: 'success', sourceIp: '10.9.9.8' });
    for (let i = 0; i < 1100; i++)
      await store.audit.record({
        at: at + 1000 + i,
        category: 'self-service',
        actor: `filler${i}`,
        action: 'reset-requested',
        outcome: 'success',
        sourceIp: '10.0.0.1',
      });
    const console = await admin();
    const newest = await console.get('/admin/audit?tab=self-service');
    assert.doesNotMatch(newest.body, /old\.timer/i, 'not among the newest 1,000');
    const found = await console.get('/admin/audit?tab=self-service&user=OLD.TIMER');
    assert.match(found.body, /Showing 2 of 2/);
    const combined = await console.get('/admin/audit?tab=self-service&user=old.timer&outcome=failure&ip=10.9.9.9');
    assert.match(combined.body, /Showing 1 of 1/);
  });

  test('exports hold exactly the filtered rows, and are audited', async () => {
    const { store } = fixture.portal.app;
    const at = Date.parse('2026-03-04T10:00:00Z');
    for (let i = 0; i < 30; i++) {
      await store.audit.record({
        at: at + i,
        category: 'helpdesk',
        actor: i % 3 ? 'desk.one' : 'Desk.Two',
        action: 'unlock',
        outcome: 'success',
        sourceIp: '10.1.1.1',
        target: `t${i}`,
      });
    }
    const console = await admin();
    const query = 'tab=helpdesk&user=desk.two&from=2026-03-04&to=2026-03-04';
    const csv = await fixture.portal.app.server.inject({
      url: `/admin/audit/export?${query}&format=csv`,
      headers: { cookie: [...console.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    assert.equal(csv.statusCode, 200);
    assert.match(String(csv.headers['content-disposition']), /attachment; filename="latchkey-audit-helpdesk-.*\.csv"/);
    const rows = parseCsv(csv.body, { columns: true, bom: true }) as Record<string, string>[];
    assert.equal(rows.length, 10);
    assert.ok(rows.every((row) => Object.values(row).includes('Desk.Two')));
    const xlsx = await fixture.portal.app.server.inject({
      url: `/admin/audit/export?${query}&format=xlsx`,
      headers: { cookie: [...console.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(xlsx.rawPayload as unknown as ExcelJS.Buffer);
    assert.equal(workbook.worksheets[0]!.actualRowCount, 11, 'a header and ten rows');
    const pdf = await fixture.portal.app.server.inject({
      url: `/admin/audit/export?${query}&format=pdf`,
      headers: { cookie: [...console.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    assert.equal(pdf.rawPayload.subarray(0, 5).toString(), '%PDF-');
    const ours = (entries: { detail?: string | null }[]) => entries.filter((e) => /"actor":"desk.two"/.test(e.detail ?? ''));
    const exports = await eventually(
      () => adminTrail('audit-export'),
      (entries) => ours(entries).length >= 3,
    );
    assert.deepEqual(
      exports
        .filter((e) => /"actor":"desk.two"/.test(e.detail ?? ''))
        .map((e) => e.detail!.split(':')[0])
        .sort(),
      ['csv, 10 rows', 'pdf, 10 rows', 'xlsx, 10 rows'],
    );
  });

  test('the column chooser is remembered per admin', async () => {
    const console = await admin();
    const page = await console.get('/admin/audit');
    const fields: Record<string, string> = { chooser: '1', tab: 'self-service' };
    for (const column of ['at', 'actor', 'action', 'outcome']) fields[`show:${column}`] = 'on';
    await console.post('/admin/audit/columns', fields, { csrf: csrfOf(page.body) ?? false });
    const again = await (await admin()).get('/admin/audit');
    assert.doesNotMatch(again.body, /class="col-sourceIp"/);
    assert.match(again.body, /class="col-actor"/);
  });
});

describe('retention', () => {
  test('entries older than the retention are purged once a day, and the purge is audited as a count', async () => {
    const { store, jobs } = fixture.portal.app;
    const old = Date.now() - 500 * 86_400_000;
    for (let i = 0; i < 5; i++)
      await store.audit.record({ at: old + i, category: 'self-service', actor: 'ancient', action: 'reset', outcome: 'success', sourceIp: '10.0.0.1' });
    const removed = await jobs.purgeAudit();
    assert.ok(removed >= 5);
    assert.equal(await store.audit.count({ actor: 'ancient' }), 0);
    assert.equal(await jobs.purgeAudit(), 0, 'not twice the same day');
    assert.ok((await adminTrail('audit-purge')).some((e) => e.detail?.startsWith(`${removed} entries`)));
  });
});

describe('dashboard', () => {
  test('shows the period numbers, SVG charts, enrollment coverage and healthy connections', async () => {
    const user = await fixture.person();
    await enroll(webClient(fixture.portal.app.server), user);
    const console = await admin();
    const page = await console.get('/admin?days=7');
    assert.match(page.body, /<svg viewBox="0 0 640 232" role="img" aria-labelledby="chart-svg-title chart-svg-desc"/);
    assert.match(page.body, /<desc id="chart-svg-desc">[^<]*from \d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d/, 'described, with its dates');
    assert.match(page.body, /text-anchor="middle">\d\d-\d\d<\/text>/, 'a dated x axis');
    assert.match(page.body, /<ul class="legend">\s*<li>.*Password resets: \d+<\/li>/, 'a legend');
    assert.match(page.body, /<summary>The numbers by day<\/summary>/, 'the numbers as a table too');
    assert.match(page.body, /Throttled sign-ins<\/dt><dd>\d+/);
    assert.match(page.body, /Enrollments<\/dt><dd>\d+/);
    assert.match(page.body, /Enrolled users<\/dt><dd>\d+ \/ \d+ \(/);
    assert.match(page.body, /<strong>Directory<\/strong>: working/);
    assert.match(page.body, /<strong>E-mail<\/strong>: working/);
    assert.match(page.body, /<strong>Certificate 127\.0\.0\.1:636<\/strong>: working — \d+ days left/);
    assert.doesNotMatch(page.body, /<script/);
  });

  test('scheduled backups set in the console: a failed run (no password in the environment) is a warning at the top and a failing health line', async () => {
    const console = await admin();
    const saved = await saveSettings(console, 'backups', { 'field:enabled': 'on', 'field:folder': '/nonexistent/latchkey-backups' });
    assert.doesNotMatch(saved.body, /class="field-error|aria-invalid="true"/, 'the settings are saved');
    try {
      assert.equal(fixture.portal.app.admin.settings.current().backups.folder, '/nonexistent/latchkey-backups');
      const run = await fixture.portal.app.jobs.scheduledBackup();
      assert.ok(run && 'error' in run);
      const page = await console.get('/admin?days=7');
      assert.match(page.body, /<p class="warning" id="attention">Needs attention: [^<]*Scheduled backups/);
      assert.match(
        page.body,
        /<strong>Scheduled backups<\/strong>: failing — the last one failed at [^<]*LK_BACKUP_SCHEDULE_PASSWORD/,
        'the test portal has no backup password',
      );
    } finally {
      await fixture.portal.app.admin.settings.save('backups', { enabled: false, everyHours: 24, keep: 7 }, { sam: 'test', guid: null, ip: '-' });
    }
  });
});
