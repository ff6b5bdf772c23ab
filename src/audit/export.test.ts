/**
 * Audit exports on both databases, read back with independent readers (csv-parse, exceljs's
 * reader, pdfjs): each file holds exactly the filtered events, newest first, across pages;
 * spreadsheet cells cannot run as formulas; a full output pauses the export; a failure breaks
 * the output off.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import ExcelJS from 'exceljs';
import { type Audit, type AuditEvent, type AuditFilter, auditPages, createAudit } from '../store/audit.ts';
import { forEachDatabase, type TestDatabase } from '../testing/databases.ts';
import { assertExported, collector, readCsv, readPdf, readXlsx } from '../testing/export-readers.ts';
import { type AuditColumn, contentType, DEFAULT_AUDIT_COLUMNS, type ExportFormat, exportAudit, fileExtension } from './export.ts';
import { columnLabel } from './export-columns.ts';

const T0 = Date.UTC(2024, 2, 1);
const MINUTE = 60_000;
/** Bulk events; their times are minutes 0..BULK/2-1 after T0, two events to each minute. */
const BULK = 3000;
const FORMATS: readonly ExportFormat[] = ['csv', 'xlsx', 'pdf'];
const NOW = Date.UTC(2024, 5, 1, 12);

/** What an attacker could type as a user name: Excel would run it as a formula. */
const INJECTION = "=cmd|' /C calc'!A0";
/** Commas, quotes, a CRLF, Latin-1 letters and one character beyond them. */
const AWKWARD = 'O\'Brien, "Zoë"\r\nSjöberg, Ωmega';
/** Every value that starts like a formula, and what the spreadsheet formats must write instead. */
const NEUTRALISED = new Map([
  [INJECTION, "'=cmd|' /C calc'!A0"],
  ['+41 20 000 00 00', "'+41 20 000 00 00"],
  ['-2+3', "'-2+3"],
  ['@SUM(A1:A9)', "'@SUM(A1:A9)"],
  ['\tindented', "'\tindented"],
]);

/** The helpdesk operator of the main filter, asked for in a case nobody stored. */
const FILTER: AuditFilter = { category: 'helpdesk', actor: 'Hd.Olivia', from: T0 + 200 * MINUTE, to: T0 + 1200 * MINUTE };
const HELPDESK_ACTORS = ['hd.olivia', 'HD.Olivia', 'hd.oliver'];
const ACTIONS = ['reset', 'unlock', 'search', 'must-change', 'user-view'];
const OUTCOMES = ['success', 'refused', 'failure'];

/** Bulk event `i`: every field varies; `detail` (n<i>) tells events apart. */
function bulkEvent(i: number): AuditEvent {
  const category = (['helpdesk', 'helpdesk', 'self-service', 'self-service', 'admin'] as const)[i % 5] ?? 'admin';
  return {
    // 7919 is prime to BULK, so the times come in a scrambled order: the export's order must come
    // from (at, id), not from insertion. Halved, so that every time is shared by two events.
    at: T0 + Math.floor(((i * 7919) % BULK) / 2) * MINUTE,
    category,
    actor: category === 'helpdesk' ? (HELPDESK_ACTORS[i % 3] ?? '') : category === 'admin' ? 'lk-admin' : `user${i % 17}`,
    target: i % 4 === 0 ? null : `t${i}`,
    action: ACTIONS[i % ACTIONS.length] ?? '',
    outcome: OUTCOMES[i % OUTCOMES.length] ?? '',
    sourceIp: i % 6 === 0 ? null : `10.0.${i % 7}.${i % 11}`,
    detail: `n${i}`,
  };
}

/** Hand-made events; their times fall between the bulk's minutes, after minute 600. */
const SPECIAL: readonly AuditEvent[] = [
  // Inside FILTER: formula starts in several columns, and a value with every CSV hazard.
  {
    at: T0 + 700 * MINUTE + 1,
    category: 'helpdesk',
    actor: 'HD.OLIVIA',
    target: INJECTION,
    action: 'reset',
    outcome: 'success',
    sourceIp: '10.9.9.9',
    detail: '+41 20 000 00 00',
  },
  {
    at: T0 + 700 * MINUTE + 2,
    category: 'helpdesk',
    actor: 'hd.olivia',
    target: '-2+3',
    action: 'search',
    outcome: 'refused',
    sourceIp: null,
    detail: '@SUM(A1:A9)',
  },
  {
    at: T0 + 700 * MINUTE + 3,
    category: 'helpdesk',
    actor: 'hd.olivia',
    target: AWKWARD,
    action: 'unlock',
    outcome: 'success',
    sourceIp: '2001:db8::7',
    detail: '\tindented',
  },
  // Outside FILTER: the injection as a user name, and the right operator at the wrong time.
  {
    at: T0 + 700 * MINUTE + 4,
    category: 'self-service',
    actor: INJECTION,
    target: null,
    action: 'reset',
    outcome: 'refused',
    sourceIp: '10.6.6.6',
    detail: 'sly',
  },
  {
    at: T0 + 1300 * MINUTE + 5,
    category: 'helpdesk',
    actor: 'hd.olivia',
    target: 'too-late',
    action: 'reset',
    outcome: 'success',
    sourceIp: '10.0.0.1',
    detail: 'late',
  },
];

interface Seeded {
  audit: Audit;
  /** Every recorded event with its id. */
  events: { id: number; event: AuditEvent }[];
}

/** Records the bulk and the special events in one transaction (one commit, not thousands). */
async function seed(database: TestDatabase): Promise<Seeded> {
  const { audit, db } = await database.store();
  const events = await db.transaction().execute(async (trx) => {
    const recording = createAudit(trx);
    const recorded: Seeded['events'] = [];
    for (const event of [...Array.from({ length: BULK }, (_, i) => bulkEvent(i)), ...SPECIAL]) {
      recorded.push({ id: await recording.record(event), event });
    }
    return recorded;
  });
  return { audit, events };
}

/** What the export must hold for `filter`, worked out here rather than by the store. */
function expected(seeded: Seeded, filter: Pick<AuditFilter, 'category' | 'actor' | 'from' | 'to'>): AuditEvent[] {
  const { category, actor, from, to } = filter;
  return seeded.events
    .filter(
      ({ event }) =>
        (category === undefined || event.category === category) &&
        (actor === undefined || event.actor.toLowerCase() === actor.toLowerCase()) &&
        (from === undefined || event.at >= from) &&
        (to === undefined || event.at <= to),
    )
    .sort((a, b) => b.event.at - a.event.at || b.id - a.id)
    .map(({ event }) => event);
}

/** The cells of `event` as the spreadsheet formats must write them, in DEFAULT_AUDIT_COLUMNS order. */
function expectedCells(event: AuditEvent): string[] {
  const values = [event.category, event.actor, event.target, event.action, event.outcome, event.sourceIp, event.detail];
  return [new Date(event.at).toISOString(), ...values.map((value) => NEUTRALISED.get(value ?? '') ?? value ?? '')];
}

const HEADER = DEFAULT_AUDIT_COLUMNS.map(columnLabel);

/** Exports into memory; returns the row count and the file. */
async function exported(audit: Audit, filter: AuditFilter, format: ExportFormat, columns?: AuditColumn[]) {
  const { output, bytes } = collector();
  const { rows } = await exportAudit(audit, filter, format, output, { now: () => NOW, columns });
  assert.ok(output.writableFinished, 'the export ends its output');
  return { rows, file: bytes() };
}

/** Asserts that `file` holds exactly `events` in that order, in the way of its format. */
function assertHolds(format: ExportFormat, file: Buffer, events: AuditEvent[]): Promise<void> {
  const pdfMarks = events.flatMap((event) => (event.detail && /^n\d+$/.test(event.detail) ? [event.detail] : []));
  return assertExported(format, file, [HEADER, ...events.map(expectedCells)], {
    times: events.map((event) => new Date(event.at).toISOString()),
    marks: pdfMarks,
  });
}

describe('audit export formats', () => {
  test('each format has its content type and file extension', () => {
    assert.equal(contentType('csv'), 'text/csv; charset=utf-8');
    assert.equal(contentType('xlsx'), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    assert.equal(contentType('pdf'), 'application/pdf');
    assert.deepEqual(FORMATS.map(fileExtension), ['csv', 'xlsx', 'pdf']);
    assert.throws(() => contentType('docx' as ExportFormat), { code: 'LK_AUDIT_EXPORT_FORMAT' });
  });
});

forEachDatabase('audit export', (database) => {
  let seeded: Promise<Seeded> | undefined;
  /** The suite's trail, recorded at first use (from a test, where a failure names its cause). */
  const trail = () => (seeded ??= seed(database));

  test('the filter used below selects a single page with every special case, and leaves some out', async () => {
    const events = expected(await trail(), FILTER);
    assert.ok(events.length > 300 && events.length < 1000, `${events.length} events`);
    assert.deepEqual(
      SPECIAL.filter((event) => events.includes(event)).map((event) => event.detail),
      ['+41 20 000 00 00', '@SUM(A1:A9)', '\tindented'],
    );
  });

  for (const format of FORMATS) {
    test(`${format}: a filtered export holds exactly the matching events, newest first`, async () => {
      const seeded = await trail();
      const { rows, file } = await exported(seeded.audit, FILTER, format);
      const events = expected(seeded, FILTER);
      assert.equal(rows, events.length);
      await assertHolds(format, file, events);
    });

    test(`${format}: an export longer than one page is complete and in order`, async () => {
      const seeded = await trail();
      const filter: AuditFilter = { category: 'self-service' };
      const events = expected(seeded, filter);
      assert.ok(events.length > 1000, `${events.length} events`);
      const { rows, file } = await exported(seeded.audit, filter, format);
      assert.equal(rows, events.length);
      await assertHolds(format, file, events);
    });
  }

  test('csv: RFC 4180 with a BOM, CRLF, quoted hazards and neutralised formulas', async () => {
    const { audit } = await trail();
    const { file } = await exported(audit, FILTER, 'csv');
    const text = file.toString('utf8');
    assert.ok(text.startsWith('\uFEFF"Time (UTC, ISO 8601)",Category,User,'));
    assert.ok(text.includes(`,"O'Brien, ""Zoë""\r\nSjöberg, Ωmega",unlock,success,2001:db8::7,'\tindented\r\n`));
    assert.ok(text.includes(`,HD.OLIVIA,'=cmd|' /C calc'!A0,reset,success,10.9.9.9,'+41 20 000 00 00\r\n`));
    assert.ok(!/(^|,)[=+@-]/m.test(text), 'no cell starts with a formula character');
  });

  test('csv: the injected user name is neutralised when it is the user searched for', async () => {
    const { audit } = await trail();
    const { file } = await exported(audit, { actor: INJECTION }, 'csv');
    assert.deepEqual(readCsv(file).slice(1), [expectedCells(SPECIAL[3]!)]);
    assert.equal(readCsv(file)[1]?.[2], "'=cmd|' /C calc'!A0");
  });

  test('xlsx: the time is a date cell, text is never a formula, the header is frozen', async () => {
    const { audit } = await trail();
    const { file } = await exported(audit, FILTER, 'xlsx');
    const { sheet } = await readXlsx(file);
    assert.equal(sheet.getCell('A2').type, ExcelJS.ValueType.Date);
    assert.equal(sheet.getCell('A2').numFmt, 'yyyy-mm-dd hh:mm:ss.000');
    assert.ok(sheet.getCell('A1').font?.bold);
    assert.equal(sheet.views[0]?.state, 'frozen');
    let injection = 0;
    sheet.eachRow((row, number) =>
      row.eachCell((cell, column) => {
        assert.notEqual(cell.type, ExcelJS.ValueType.Formula, `row ${number}`);
        if (column !== 1 || number === 1) assert.equal(cell.type, ExcelJS.ValueType.String, cell.address);
        if (cell.value === "'=cmd|' /C calc'!A0") injection++;
      }),
    );
    assert.equal(injection, 1);
  });

  test('pdf: title, filter and time on page 1; header and page number on every page; text as it is', async () => {
    const seeded = await trail();
    const filter: AuditFilter = { category: 'self-service' };
    const pages = await readPdf((await exported(seeded.audit, filter, 'pdf')).file);
    assert.ok(pages.length > 20, `${pages.length} pages`);
    assert.deepEqual(pages[0]?.slice(0, 4), [
      'Page 1',
      'Latchkey audit trail',
      'Filter: category self-service',
      'Generated 2024-06-01T12:00:00.000Z (UTC); newest first.',
    ]);
    pages.forEach((items, i) => {
      assert.ok(items.includes(`Page ${i + 1}`), `page ${i + 1} is numbered`);
      const header = items.indexOf(HEADER[0]!);
      assert.deepEqual(items.slice(header, header + HEADER.length), HEADER, `page ${i + 1} has the header`);
    });
    const filtered = (await readPdf((await exported(seeded.audit, FILTER, 'pdf')).file)).flat();
    assert.ok(filtered.includes('Filter: category helpdesk; user "Hd.Olivia" (any case); from 2024-03-01T03:20:00.000Z; to 2024-03-01T20:00:00.000Z'));
    // A PDF is not a spreadsheet: values are shown as they are, Greek and Cyrillic included (export-pdf.test.ts).
    assert.ok(filtered.includes(INJECTION));
    assert.ok(filtered.includes(`O'Brien, "Zoë"`));
    assert.ok(filtered.includes('Sjöberg, Ωmega'));
    assert.ok(!filtered.includes('too-late'));
  });

  test('columns can be chosen and ordered; unknown or repeated ones are refused before writing', async () => {
    const seeded = await trail();
    const { file } = await exported(seeded.audit, FILTER, 'csv', ['action', 'at']);
    const events = expected(seeded, FILTER);
    assert.deepEqual(readCsv(file), [['Action', 'Time (UTC, ISO 8601)'], ...events.map((event) => [event.action, new Date(event.at).toISOString()])]);
    // As a form would send them, past the type.
    for (const columns of [['at', 'password'], ['at', 'at'], []] as AuditColumn[][]) {
      const { output, bytes } = collector();
      await assert.rejects(exportAudit(seeded.audit, FILTER, 'csv', output, { columns }), { code: 'LK_AUDIT_EXPORT_COLUMNS' });
      assert.equal(bytes().length, 0);
      assert.equal(output.writableEnded, false);
    }
    await assert.rejects(exportAudit(seeded.audit, FILTER, 'odt' as ExportFormat, collector().output), {
      code: 'LK_AUDIT_EXPORT_FORMAT',
    });
  });

  test('an export that matches nothing is a valid file with its header', async () => {
    const { audit } = await trail();
    const nothing: AuditFilter = { actor: 'nobody at all' };
    assert.deepEqual(readCsv((await exported(audit, nothing, 'csv')).file), [HEADER]);
    assert.deepEqual((await readXlsx((await exported(audit, nothing, 'xlsx')).file)).rows, [HEADER]);
    const pages = await readPdf((await exported(audit, nothing, 'pdf')).file);
    assert.equal(pages.length, 1);
    assert.ok(pages[0]?.includes(HEADER[0]!));
  });

  test('the walk ends after a full last page without losing or repeating events', async () => {
    const seeded = await trail();
    // Minutes 0..499 hold exactly 1000 events: one full page, then an empty one.
    const filter: AuditFilter = { to: T0 + 500 * MINUTE - 1 };
    const pages: number[] = [];
    for await (const page of auditPages(seeded.audit, filter)) pages.push(page.length);
    assert.deepEqual(pages, [1000]);
    const { rows, file } = await exported(seeded.audit, filter, 'csv');
    assert.equal(rows, 1000);
    await assertHolds('csv', file, expected(seeded, filter));
  });

  for (const format of FORMATS) {
    test(`${format}: no page is read while the output is full, and the export finishes once it drains`, async () => {
      const seeded = await trail();
      const held: (() => void)[] = [];
      let holding = true;
      const output = new Writable({
        highWaterMark: 16 * 1024,
        write(_chunk, _encoding, done) {
          if (holding) held.push(done);
          else done();
        },
      });
      let queries = 0;
      let readWhileFull = 0;
      const audit: Audit = {
        ...seeded.audit,
        query: (query) => {
          queries++;
          if (output.writableNeedDrain) readWhileFull++;
          return seeded.audit.query(query);
        },
      };
      const exporting = exportAudit(audit, {}, format, output);
      for (let waited = 0; !output.writableNeedDrain; waited += 10) {
        assert.ok(waited < 10_000, 'the output fills up');
        await sleep(10);
      }
      await sleep(300); // time enough to read every page, were the export not waiting
      assert.equal(readWhileFull, 0);
      assert.equal(queries, 1, 'only the first page was read');
      holding = false;
      for (const done of held.splice(0)) done();
      assert.equal((await exporting).rows, seeded.events.length);
      assert.equal(queries, Math.ceil(seeded.events.length / 1000));
    });
  }

  test('a failing output ends the export with its error', async () => {
    const seeded = await trail();
    let queries = 0;
    const audit: Audit = {
      ...seeded.audit,
      query: (query) => {
        queries++;
        return seeded.audit.query(query);
      },
    };
    const output = new Writable({
      write(_chunk, _encoding, done) {
        done(new Error('the client went away'));
      },
    });
    await assert.rejects(exportAudit(audit, {}, 'csv', output), /the client went away/);
    assert.ok(queries < 3, `${queries} pages read after the output failed`);
  });

  test('a database failure mid-way breaks the output off instead of ending it', async () => {
    const seeded = await trail();
    let queries = 0;
    const audit: Audit = {
      ...seeded.audit,
      query: async (query) => {
        if (++queries === 2) throw new Error('connection lost');
        return seeded.audit.query(query);
      },
    };
    for (const format of FORMATS) {
      queries = 0;
      const { output, bytes } = collector();
      await assert.rejects(exportAudit(audit, {}, format, output), /connection lost/);
      assert.ok(bytes().length > 0, 'the first page was written');
      assert.ok(output.destroyed, `${format}: the output is destroyed`);
      assert.equal(output.writableFinished, false, `${format}: the output never finishes`);
    }
  });
});
