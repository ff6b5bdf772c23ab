/**
 * The optional columns of an export on both databases: left out unless asked for, and then the
 * display name and the count of a repeated view in every format.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachDatabase } from '../testing/databases.ts';
import { collector, readCsv, readPdf, readXlsx } from '../testing/export-readers.ts';
import { type AuditColumn, type ExportFormat, exportAudit } from './export.ts';

const NOW = Date.UTC(2026, 0, 15, 12);

forEachDatabase('audit export columns', (database) => {
  test('display names and the count of repeats export in every format when asked for, and only then', async () => {
    const { audit, db } = await database.store();
    await db.deleteFrom('audit_events').execute();
    const view = { at: NOW, category: 'self-service', actor: 'viewer.x', actorName: 'Vera Viewer', action: 'profile-view', outcome: 'success' } as const;
    await audit.recordRepeat(view, NOW - 1);
    await audit.recordRepeat(view, NOW - 1);
    const file = async (format: ExportFormat, columns?: AuditColumn[]) => {
      const { output, bytes } = collector();
      await exportAudit(audit, {}, format, output, { now: () => NOW, ...(columns ? { columns } : {}) });
      return bytes();
    };
    const columns: AuditColumn[] = ['actor', 'actorName', 'times'];
    const rows = [
      ['User', 'Display name', 'Times'],
      ['viewer.x', 'Vera Viewer', '2'],
    ];
    assert.deepEqual(readCsv(await file('csv', columns)), rows);
    assert.deepEqual((await readXlsx(await file('xlsx', columns))).rows, rows);
    assert.ok((await readPdf(await file('pdf', columns))).flat().includes('Vera Viewer'));
    const usual = readCsv(await file('csv'));
    assert.ok(!usual[0]?.includes('Display name') && !usual[0]?.includes('Times'), 'not in an export that did not ask');
  });
});
