/**
 * Every stable `LK_*` code is explained: each one the source uses has a plain-words string in
 * the English resource file (what the page shows) and a row in the README's table of error codes
 * (what an administrator looks up). The codes are collected from the source text rather than from
 * the factories at run time, so a code in a module no test imports, or a field error's code that
 * never goes through `createError`, is found as well.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const src = join(root, 'src');

/** Codes that need no string, each with why it can never be shown from the resource file. */
const WITHOUT_STRING: Readonly<Record<string, string>> = {
  LK_STRINGS_INVALID: 'raised while the resource files themselves are read, so only its message (on the command line) can say it',
};

/** The product's source files: not the tests, not the test helpers. */
const sources = readdirSync(src, { recursive: true })
  .map(String)
  .filter((file) => /\.(ts|eta|js)$/.test(file) && !file.endsWith('.test.ts') && !file.startsWith(`testing/`))
  .map((file) => ({ file, text: readFileSync(join(src, file), 'utf8') }));

/** Every `LK_*` code written as a string literal, with the files that use it. */
const used = new Map<string, string[]>();
for (const { file, text } of sources) {
  for (const [, , code] of text.matchAll(/(['"`])(LK_[A-Z0-9_]*[A-Z0-9])\1/g)) used.set(code!, [...(used.get(code!) ?? []), file]);
}
const codes = [...used.keys()].sort();

const strings = JSON.parse(readFileSync(join(src, 'i18n', 'strings', 'en.json'), 'utf8')) as Record<string, string>;

/** The codes the README's "Error codes" table has a row for. */
function readmeCodes(): string[] {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const start = readme.search(/^## Error codes$/m);
  assert.ok(start >= 0, 'the README has an "## Error codes" section');
  const rest = readme.slice(start + 1);
  const section = rest.slice(0, rest.search(/^## /m) >>> 0);
  return [...section.matchAll(/^\| `(LK_[A-Z0-9_]+)` \|.+\|$/gm)].map(([, code]) => code!);
}

test('the source uses a good number of codes, so the scan below is looking at them', () => {
  assert.ok(codes.length > 50, `only ${codes.length} codes found`);
  assert.ok(codes.includes('LK_DIRECTORY_UNREACHABLE') && codes.includes('LK_STEP_OUT_OF_ORDER'));
});

test('every code has a plain-words string in en.json', () => {
  const missing = codes.filter((code) => !(code in strings) && !(code in WITHOUT_STRING));
  assert.deepEqual(
    missing,
    [],
    `codes without a string in src/i18n/strings/en.json: ${missing.map((code) => `${code} (${used.get(code)!.join(', ')})`).join('; ')}`,
  );
  for (const code of codes.filter((code) => code in strings)) {
    const text = strings[code]!;
    assert.ok(text.trim().length > 0, `${code}: an empty string`);
    assert.doesNotMatch(text, /\bLK_|\bat \S+:\d+|Error:|undefined|\[object/, `${code}: "${text}" is not plain words`);
  }
});

test('every code without a string is excluded for a reason that still holds', () => {
  for (const code of Object.keys(WITHOUT_STRING)) {
    assert.ok(used.has(code), `${code} is excluded but no longer used: drop it from the list`);
    assert.ok(!(code in strings), `${code} is excluded but has a string: drop it from the list`);
  }
});

test('every LK_ string in en.json belongs to a code the source uses', () => {
  const orphans = Object.keys(strings).filter((key) => key.startsWith('LK_') && !used.has(key));
  assert.deepEqual(orphans, [], `strings for codes nothing uses: ${orphans.join(', ')}`);
});

test("every code has one row in the README's table of error codes, and every row a code", () => {
  const rows = readmeCodes();
  const missing = codes.filter((code) => !rows.includes(code));
  assert.deepEqual(missing, [], `codes missing from the README's "Error codes" table: ${missing.join(', ')}`);
  const stale = rows.filter((code) => !used.has(code));
  assert.deepEqual(stale, [], `README rows for codes nothing uses: ${stale.join(', ')}`);
  const repeated = rows.filter((code, index) => rows.indexOf(code) !== index);
  assert.deepEqual(repeated, [], `README rows given twice: ${repeated.join(', ')}`);
});

test('every createError call declares a literal LK_ code, and no code is declared twice', () => {
  const declared: string[] = [];
  for (const { file, text } of sources) {
    for (const match of text.matchAll(/(?<!function )\bcreateError\b(?:<[^()]*?>)?\(\s*([^,\s]+)/g)) {
      const literal = /^'(LK_[A-Z0-9_]+)'$/.exec(match[1]!);
      assert.ok(literal, `${file}: createError(${match[1]}, …) does not name its code as an 'LK_…' literal`);
      declared.push(literal[1]!);
    }
  }
  assert.ok(declared.length > 50, `only ${declared.length} createError calls found`);
  const twice = declared.filter((code, index) => declared.indexOf(code) !== index);
  assert.deepEqual(twice, [], `codes declared by more than one factory: ${twice.join(', ')}`);
});

test('every field error written out names an LK_ code', () => {
  let seen = 0;
  for (const { file, text } of sources) {
    // The literal of `{ field: …, code: … }`, or both branches of a conditional there.
    for (const [, expression] of text.matchAll(/\bfield: [^{}]*?\bcode: ([^,}]+)/g)) {
      for (const [, , code] of expression!.matchAll(/(?:^|[?:])\s*(['"`])([^'"`]*)\1/g)) {
        seen += 1;
        assert.match(code!, /^LK_[A-Z0-9_]+$/, `${file}: the field error code '${code}' is not an LK_ code`);
      }
    }
  }
  assert.ok(seen > 10, `only ${seen} field error codes found`);
});
