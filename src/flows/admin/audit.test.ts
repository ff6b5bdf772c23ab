/**
 * The audit viewer's flows on both databases, without HTTP: the filter a search makes, listings
 * that reach past the newest 1,000 and page on, sorting, and exports that hold exactly the
 * searched rows and are audited, also when they break off.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse as parseCsv } from 'csv-parse/sync';
import { createAuditRecorder } from '../../audit/recorder.ts';
import { formatsFor } from '../../i18n/format.ts';
import { loadStrings, translator } from '../../i18n/translate.ts';
import type { Store } from '../../store/store.ts';
import { eventually } from '../../testing/assertions.ts';
import { forEachDatabase } from '../../testing/databases.ts';
import { readPdf } from '../../testing/export-readers.ts';
import { AUDIT_PAGE, type AuditSearch, auditFilter, auditListing, exportAuditTrail } from './audit.ts';
import { saveColumnPreferences } from './columns.ts';
import type { AdminSession } from './sign-in.ts';

const admin: AdminSession = { guid: '00000000-0000-4000-8000-00000000a003', sam: 'lk-admin', displayName: null, lastSeen: 0 };
const DAY = 86_400_000;
const search = (changes: Partial<AuditSearch> = {}): AuditSearch => ({
  tab: 'self-service',
  user: '',
  action: '',
  outcome: '',
  ip: '',
  from: '',
  to: '',
  ...changes,
});

test('a search becomes the store’s filter: whole UTC days, only what the tab offers, text trimmed', () => {
  assert.deepEqual(auditFilter(search()), { category: 'self-service' });
  assert.deepEqual(auditFilter(search({ user: '  Jo.Smith ', ip: ' 10.0.0.1 ', outcome: 'refused', action: 'reset' })), {
    category: 'self-service',
    actor: 'Jo.Smith',
    sourceIp: '10.0.0.1',
    outcome: 'refused',
    action: 'reset',
  });
  assert.deepEqual(auditFilter(search({ from: '2026-03-04', to: '2026-03-04' })), {
    category: 'self-service',
    from: Date.parse('2026-03-04T00:00:00Z'),
    to: Date.parse('2026-03-05T00:00:00Z') - 1,
  });
  assert.deepEqual(
    auditFilter(search({ tab: 'helpdesk', action: 'enroll', outcome: 'maybe', from: '4 March', to: '2026-3-4' })),
    { category: 'helpdesk' },
    'what the tab does not offer searches for anything',
  );
});

forEachDatabase('the audit viewer', (database) => {
  const clock = Date.parse('2026-05-01T12:00:00Z');
  const context = async () => {
    const store = await database.store();
    return { store, adminAudit: createAuditRecorder(store.audit, 'admin', () => clock), now: () => clock, t: translator(loadStrings('en').strings) };
  };
  const exportsOf = async (store: Store) => store.audit.query({ category: 'admin', action: 'audit-export', actor: admin.sam });

  test('a search reaches entries older than the newest 1,000, by username in any case, filters combined', async () => {
    const ctx = await context();
    const at = clock - DAY;
    await ctx.store.audit.record({ at, category: 'self-service', actor: 'Old.Timer', action: 'reset', outcome: 'failure', sourceIp: '10.9.9.9', detail: 'x' });
    await ctx.store.audit.record({ at, category: 'self-service', actor: 'old.timer', action: 'change', outcome: 'success', sourceIp: '10.9.9.8' });
    for (let i = 0; i < 1100; i++)
      await ctx.store.audit.record({
        at: at + 1000 + i,
        category: 'self-service',
        actor: `filler${i}`,
        action: 'reset-requested',
        outcome: 'success',
        sourceIp: '10.0.0.1',
      });
    const paging = { sort: 'at', descending: true };
    const newest = await auditListing(ctx, search(), paging);
    assert.equal(newest.entries.length, AUDIT_PAGE);
    assert.ok(
      newest.entries.every((entry) => entry.actor.startsWith('filler')),
      'not among the newest 1,000',
    );
    assert.ok(newest.total >= 1102);
    assert.deepEqual(newest.next, { before: String(newest.entries.at(-1)!.id) });
    const older = await auditListing(ctx, search(), { ...paging, before: Number(newest.next && 'before' in newest.next && newest.next.before) });
    assert.ok(
      older.entries.some((entry) => entry.actor === 'Old.Timer'),
      'the next page goes on from there',
    );
    const found = await auditListing(ctx, search({ user: 'OLD.TIMER' }), paging);
    assert.deepEqual([found.entries.length, found.total, found.next], [2, 2, null]);
    const combined = await auditListing(ctx, search({ user: 'old.timer', outcome: 'failure', ip: '10.9.9.9' }), paging);
    assert.deepEqual(
      combined.entries.map((entry) => entry.action),
      ['reset'],
    );
    assert.ok(combined.actions.includes('reset') && !combined.actions.includes('clear-enrollment'), 'the tab’s own actions');
  });

  test('a page is sorted by the column asked for; an unknown column or the time keeps newest first', async () => {
    const ctx = await context();
    for (const [i, actor] of ['b.user', 'A.user', 'c.user'].entries())
      await ctx.store.audit.record({ at: clock + i, category: 'helpdesk', actor, action: 'unlock', outcome: 'success', sourceIp: '10.2.2.2' });
    const actors = async (sort: string, descending: boolean) =>
      (await auditListing(ctx, search({ tab: 'helpdesk', ip: '10.2.2.2' }), { sort, descending })).entries.map((entry) => entry.actor);
    assert.deepEqual(await actors('actor', false), ['A.user', 'b.user', 'c.user']);
    assert.deepEqual(await actors('actor', true), ['c.user', 'b.user', 'A.user']);
    assert.deepEqual(await actors('at', true), ['c.user', 'A.user', 'b.user']);
    assert.deepEqual(await actors('at', false), ['b.user', 'A.user', 'c.user']);
    assert.deepEqual(await actors('password', true), ['c.user', 'A.user', 'b.user']);
  });

  test('a sort orders the whole search, not only the page shown: the first page holds the first entries of all, and the next page goes on', async () => {
    const ctx = await context();
    // Names in the opposite order to time: sorted by name, the first page holds the oldest entries.
    for (let i = 0; i < AUDIT_PAGE + 50; i++)
      await ctx.store.audit.record({
        at: clock + i,
        category: 'helpdesk',
        actor: `op${String(AUDIT_PAGE + 50 - i).padStart(5, '0')}`,
        action: i % 2 ? 'unlock' : 'reset',
        outcome: 'success',
        sourceIp: '10.3.3.3',
      });
    const byName = { sort: 'actor', descending: false };
    const first = await auditListing(ctx, search({ tab: 'helpdesk', ip: '10.3.3.3' }), byName);
    assert.equal(first.entries[0]!.actor, 'op00001', 'the first of the whole search, the oldest entry');
    assert.deepEqual(first.next, { offset: String(AUDIT_PAGE) });
    const second = await auditListing(ctx, search({ tab: 'helpdesk', ip: '10.3.3.3' }), { ...byName, offset: AUDIT_PAGE });
    const names = [...first.entries, ...second.entries].map((entry) => entry.actor);
    assert.equal(names.length, AUDIT_PAGE + 50);
    assert.deepEqual(names, [...names].sort(), 'in order across the pages');
    assert.equal(second.next, null);
    const unlocksByName = await auditListing(ctx, search({ tab: 'helpdesk', ip: '10.3.3.3', action: 'unlock' }), { sort: 'actor', descending: true });
    assert.ok(
      unlocksByName.entries.every((entry) => entry.action === 'unlock'),
      'the filter holds',
    );
    assert.equal(unlocksByName.entries[0]!.actor, 'op01049');
  });

  test('an export holds exactly the searched rows, is named by tab and day, and is audited', async () => {
    const ctx = await context();
    const at = Date.parse('2026-03-04T10:00:00Z');
    for (let i = 0; i < 30; i++) {
      await ctx.store.audit.record({
        at: at + i,
        category: 'helpdesk',
        actor: i % 3 ? 'desk.one' : 'Desk.Two',
        action: 'unlock',
        outcome: 'success',
        sourceIp: '10.1.1.1',
        target: `t${i}`,
      });
    }
    const searched = search({ tab: 'helpdesk', user: 'desk.two', from: '2026-03-04', to: '2026-03-04' });
    const download = exportAuditTrail(ctx, admin, searched, 'csv', { ip: '10.65.0.1' }, { warn() {}, error() {} });
    assert.equal(download.fileName, 'latchkey-audit-helpdesk-2026-05-01.csv');
    assert.equal(download.contentType, 'text/csv; charset=utf-8');
    const rows = parseCsv(Buffer.concat(await download.body.toArray()), { columns: true, bom: true }) as Record<string, string>[];
    assert.equal(rows.length, 10);
    assert.ok(rows.every((row) => Object.values(row).includes('Desk.Two')));
    assert.deepEqual(
      Object.keys(rows[0]!),
      ['Time (UTC)', 'User', 'Account', 'Action', 'Outcome', 'Times', 'Source IP', 'Details'],
      'the columns and names on screen',
    );
    const [entry] = await eventually(
      () => exportsOf(ctx.store),
      (entries) => entries.length > 0,
    );
    assert.equal(entry?.outcome, 'success');
    assert.equal(entry?.sourceIp, '10.65.0.1');
    assert.match(entry?.detail ?? '', /^csv, 10 rows: \{"category":"helpdesk","actor":"desk.two"/);
  });

  test('an export follows the column chooser: hidden columns are left out, shown ones keep their on-screen names', async () => {
    const ctx = await context();
    await ctx.store.audit.record({
      at: clock,
      category: 'helpdesk',
      actor: 'chooser',
      actorName: 'Chooser Person',
      action: 'unlock',
      outcome: 'success',
      sourceIp: '10.4.4.4',
    });
    const chooser = { ...admin, guid: '00000000-0000-4000-8000-00000000a004' };
    await saveColumnPreferences(ctx, chooser, { shown: ['actorName', 'at', 'action'], widths: {} });
    const download = exportAuditTrail(ctx, chooser, search({ tab: 'helpdesk', ip: '10.4.4.4' }), 'csv', { ip: '10.65.0.3' }, { warn() {}, error() {} });
    const rows = parseCsv(Buffer.concat(await download.body.toArray()), { bom: true }) as string[][];
    assert.deepEqual(rows[0], ['Time (UTC)', 'Display name', 'Action']);
    assert.deepEqual(rows[1]?.slice(1), ['Chooser Person', 'unlock']);
  });

  test('a PDF export speaks the admin’s language: filter, generation time and page numbers in German', async () => {
    const ctx = { ...(await context()), t: translator(loadStrings('de').strings) };
    await ctx.store.audit.record({ at: clock, category: 'helpdesk', actor: 'Desk.Two', action: 'unlock', outcome: 'success', sourceIp: '10.5.5.5' });
    const searched = search({ tab: 'helpdesk', user: 'desk.two', ip: '10.5.5.5', from: '2026-05-01', to: '2026-05-01' });
    const download = exportAuditTrail(ctx, admin, searched, 'pdf', { ip: '10.65.0.4', language: 'de' }, { warn() {}, error() {} });
    const [page] = await readPdf(Buffer.concat(await download.body.toArray()));
    const when = formatsFor('de').dateTime;
    assert.deepEqual(page?.slice(0, 4), [
      'Seite 1',
      'Latchkey-Prüfprotokoll: Helpdesk',
      `Filter: Bereich Helpdesk; Benutzer „desk.two“ (Groß-/Kleinschreibung egal); Quell-IP 10.5.5.5; ab ${when(clock - 12 * 3_600_000)}; bis ${when(clock + 12 * 3_600_000 - 1)}`,
      `Erstellt ${when(clock)}; neueste zuerst.`,
    ]);
    assert.ok(when(clock).includes('Mai 2026'), 'the date as German writes it');
    assert.ok(page?.includes('Desk.Two'));
  });

  test('an export that fails breaks off, is logged, and is audited as a failure', async () => {
    const ctx = await context();
    const broken = { ...ctx, store: { ...ctx.store, audit: { ...ctx.store.audit, query: () => Promise.reject(new Error('the database went away')) } } };
    const logged: string[] = [];
    const download = exportAuditTrail(
      broken,
      admin,
      search({ ip: '10.66.0.1' }),
      'csv',
      { ip: '10.66.0.2' },
      { warn() {}, error: (_details, message) => logged.push(message) },
    );
    await assert.rejects(download.body.toArray(), 'the download breaks off instead of ending like a complete file');
    const trail = await eventually(
      () => exportsOf(ctx.store),
      (entries) => entries.some((entry) => entry.sourceIp === '10.66.0.2'),
    );
    assert.deepEqual(logged, ['audit export failed']);
    const failure = trail.find((entry) => entry.sourceIp === '10.66.0.2');
    assert.equal(failure?.outcome, 'failure');
    assert.equal(failure?.detail, 'csv: the database went away');
  });
});
