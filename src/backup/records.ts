/**
 * What a backup holds, before compression and encryption: one JSON record per line, in a fixed
 * order. The manifest (source, schema version, tables and their columns, id high-water marks,
 * the non-secret config), the master key, the data folder's files, the rows table by table in
 * batches, and an end record with the row counts. Lines keep memory at one batch when writing
 * and reading; the order lets a restore create the schema before the first row arrives.
 */
import { z } from 'zod';
import { BackupDamaged } from './errors.ts';

/** A column value: the store keeps only text, integers and nulls (timestamps are epoch ms). */
export type Value = string | number | null;
/** One row, its values in the order of its table's columns. */
export type Row = Value[];

const name = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/);
/** A path inside the data folder: no absolute path, no segment starting with a dot (so no ".."). */
const relativePath = z.string().regex(/^(?:[A-Za-z0-9_-][A-Za-z0-9_.-]*\/)*[A-Za-z0-9_-][A-Za-z0-9_.-]*$/);

const manifestSchema = z.strictObject({
  type: z.literal('manifest'),
  createdAt: z.string(),
  /** Where the data came from; the database is named without credentials. */
  source: z.strictObject({ dialect: z.enum(['sqlite', 'postgres']), database: z.string() }),
  /** The schema version: the names of the migrations applied, in order. */
  migrations: z.array(z.string()),
  /** Every table, parents before the tables that reference them, with its columns. */
  tables: z.array(z.strictObject({ name, columns: z.array(name).min(1) })),
  /** The highest id each auto-increment column ever handed out (purged rows included). */
  sequences: z.array(z.strictObject({ table: name, column: name, value: z.number().int().min(0) })),
  /** The non-secret start-up settings of the source (server, ui, admin), for reference. */
  config: z.record(z.string(), z.unknown()),
});

const masterKeySchema = z.strictObject({
  type: z.literal('master-key'),
  /** The whole key ring as a key file holds it (a backup from before rings: the one key, hex or base64). */
  text: z.string().min(1),
});

const fileSchema = z.strictObject({ type: z.literal('file'), path: relativePath, mode: z.number().int().min(0).max(0o777), data: z.base64() });

const rowsSchema = z.strictObject({ type: z.literal('rows'), table: name, rows: z.array(z.array(z.unknown())) });

const endSchema = z.strictObject({ type: z.literal('end'), tables: z.record(z.string(), z.number().int().min(0)) });

/** The first record: what the rest is about. */
export type Manifest = z.infer<typeof manifestSchema>;
/** A table as the manifest describes it. */
export type TableShape = Manifest['tables'][number];
/** An id high-water mark as the manifest records it. */
export type SequenceMark = Manifest['sequences'][number];
/** A file of the data folder (a TLS certificate or key), its bytes in base64. */
export type FileRecord = z.infer<typeof fileSchema>;
/** A batch of one table's rows. */
export interface RowsRecord {
  type: 'rows';
  table: string;
  rows: Row[];
}

/** Any record, in the order they appear. */
export type BackupRecord = Manifest | z.infer<typeof masterKeySchema> | FileRecord | RowsRecord | z.infer<typeof endSchema>;

const SCHEMAS = { manifest: manifestSchema, 'master-key': masterKeySchema, file: fileSchema, rows: rowsSchema, end: endSchema };
/** Each type's place in the order; manifest, master key and end appear exactly once. */
const STAGE: Record<BackupRecord['type'], number> = { manifest: 0, 'master-key': 1, file: 2, rows: 3, end: 4 };
const ONCE = new Set<BackupRecord['type']>(['manifest', 'master-key', 'end']);

/** The records as lines of JSON, one buffer per record. */
export async function* encodeRecords(records: AsyncIterable<BackupRecord>): AsyncGenerator<Buffer> {
  for await (const record of records) yield Buffer.from(`${JSON.stringify(record)}\n`, 'utf8');
}

/**
 * The records of the plaintext `chunks`, checked as they come: shapes, order, that every row
 * fits its table, and that the end record's counts match the rows seen. Anything else is
 * LK_BACKUP_DAMAGED (the plaintext was authenticated, so only a broken writer gets here).
 */
export async function* decodeRecords(chunks: AsyncIterable<Buffer>, file: string): AsyncGenerator<BackupRecord> {
  const damaged = (reason: string) => BackupDamaged({ file, reason });
  let stage = -1;
  let tables: Map<string, number> | undefined;
  const counts = new Map<string, number>();
  for await (const line of lines(chunks, () => damaged('its last record is incomplete'))) {
    if (stage === STAGE.end) throw damaged('records follow its end record');
    const record = parseRecord(line, damaged);
    const next = STAGE[record.type];
    if (next < stage || (next === stage && ONCE.has(record.type)) || (stage === -1 && next !== STAGE.manifest))
      throw damaged(`a ${record.type} record is out of order`);
    if (next > STAGE['master-key'] && stage < STAGE['master-key']) throw damaged('the master key is missing');
    stage = next;
    if (record.type === 'manifest') tables = new Map(record.tables.map((table) => [table.name, table.columns.length]));
    if (record.type === 'rows') {
      checkRows(record, tables!, damaged);
      counts.set(record.table, (counts.get(record.table) ?? 0) + record.rows.length);
    }
    if (record.type === 'end') {
      for (const table of tables!.keys()) {
        if ((record.tables[table] ?? 0) !== (counts.get(table) ?? 0))
          throw damaged(`table ${table} has ${counts.get(table) ?? 0} rows, its end record says ${record.tables[table] ?? 0}`);
      }
    }
    yield record;
  }
  if (stage !== STAGE.end) throw damaged('its end record is missing');
}

function parseRecord(line: string, damaged: (reason: string) => Error): BackupRecord {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw damaged('a record is not JSON');
  }
  const type = (value as { type?: unknown } | null)?.type;
  const schema = typeof type === 'string' ? SCHEMAS[type as BackupRecord['type']] : undefined;
  if (!schema) throw damaged(`a record has the unknown type ${JSON.stringify(type)}`);
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw damaged(`a ${type as string} record is malformed (${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message})`);
  return parsed.data as BackupRecord;
}

function checkRows(record: RowsRecord, tables: Map<string, number>, damaged: (reason: string) => Error): void {
  const width = tables.get(record.table);
  if (width === undefined) throw damaged(`rows of table ${record.table}, which the manifest does not list`);
  for (const row of record.rows) {
    if (row.length !== width || !row.every(isValue)) throw damaged(`a row of ${record.table} does not fit its columns`);
  }
}

/** Whether `value` is a column value a backup may hold. */
export function isValue(value: unknown): value is Value {
  return value === null || typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
}

/** The lines of `chunks` (split on bytes, so a character cut between chunks stays whole). */
async function* lines(chunks: AsyncIterable<Buffer>, incomplete: () => Error): AsyncGenerator<string> {
  let parts: Buffer[] = [];
  for await (const chunk of chunks) {
    let start = 0;
    for (let end = chunk.indexOf(0x0a); end !== -1; end = chunk.indexOf(0x0a, start)) {
      parts.push(chunk.subarray(start, end));
      yield Buffer.concat(parts).toString('utf8');
      parts = [];
      start = end + 1;
    }
    if (start < chunk.length) parts.push(chunk.subarray(start));
  }
  if (parts.length) throw incomplete();
}
