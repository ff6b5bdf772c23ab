/**
 * The PDF export prints names in any script its bundled font covers (Latin, Greek, Cyrillic,
 * arrows), read back with an independent reader (pdfjs); a character the font lacks shows as
 * its code point, not as an empty box; the headers are the names it is given.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Audit, AuditEntry, AuditQuery } from '../store/audit.ts';
import { collector, readPdf } from '../testing/export-readers.ts';
import { exportAudit } from './export.ts';

const entry = (id: number, actor: string, detail: string): AuditEntry => ({
  id,
  at: Date.parse('2026-05-01T12:00:00Z') - id,
  category: 'helpdesk',
  actor,
  actorGuid: null,
  target: null,
  targetGuid: null,
  action: 'reset',
  outcome: 'success',
  sourceIp: '10.0.0.1',
  detail,
  actorName: null,
  targetName: null,
  times: 1,
});

/** A trail of `entries` (one page), as the exporter reads it. */
function trailOf(entries: AuditEntry[]): Audit {
  const query = async (query: AuditQuery = {}) => (query.beforeId === undefined ? entries : []);
  return { query } as unknown as Audit;
}

test('a PDF prints Greek, Cyrillic and arrows as they are, a character beyond the font as its code point, under the given headers', async () => {
  const { output, bytes } = collector();
  const audit = trailOf([entry(1, 'Ωμέγα Жуков', 'state: locked → unlocked'), entry(2, 'li.zhong', '中')]);
  await exportAudit(audit, {}, 'pdf', output, {
    columns: ['actor', 'detail'],
    headers: { actor: 'Benutzer', detail: 'Einzelheiten' },
    title: 'Audit: Ωμέγα',
  });
  const text = (await readPdf(bytes())).flat();
  assert.ok(text.includes('Ωμέγα Жуков'), `the name survives: ${JSON.stringify(text)}`);
  assert.ok(text.includes('state: locked → unlocked'), 'the arrow of Latchkey’s own texts prints');
  assert.ok(text.includes('Audit: Ωμέγα'), 'the title too');
  assert.ok(text.includes('[U+4E2D]'), 'a character DejaVu Sans lacks is written as its code point');
  assert.ok(!text.some((item) => /\[U\+(03A9|0416|2192)\]/.test(item)), 'nothing the font covers is replaced');
  assert.ok(text.includes('Benutzer') && text.includes('Einzelheiten'), 'the headers are the names given');
});
