#!/usr/bin/env node
// Fails when a source file under src/ (tests included) is longer than 400 lines, or a function
// (a route plugin included) longer than 100: each must fit in a reader's head. A test file's
// suite bodies (describe, and the helpers that run a suite per database) only group tests, and
// are not counted; each test in them is.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const MAX_FILE_LINES = 400;
const MAX_FUNCTION_LINES = 100;
const root = join(fileURLToPath(import.meta.url), '..', '..');
const files = readdirSync(join(root, 'src'), { recursive: true })
  .map(String)
  .filter((file) => file.endsWith('.ts'))
  .map((file) => join(root, 'src', file));

const problems = [];
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const name = relative(root, file);
  const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  if (lines > MAX_FILE_LINES) problems.push(`${name}: ${lines} lines (at most ${MAX_FILE_LINES})`);
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const lineOf = (position) => source.getLineAndCharacterOfPosition(position).line + 1;
  const isTest = file.endsWith('.test.ts');
  const groupsTests = (node) =>
    isTest && ts.isCallExpression(node.parent) && /describe|suite|Suite|forEachDatabase|forBothDatabases/.test(node.parent.expression.getText(source));
  const visit = (node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body && !groupsTests(node)) {
      const length = lineOf(node.body.end) - lineOf(node.body.getStart(source)) + 1;
      if (length > MAX_FUNCTION_LINES) {
        const label = node.name?.getText(source) ?? (ts.isArrowFunction(node) || ts.isFunctionExpression(node) ? 'a function' : 'a method');
        problems.push(`${name}:${lineOf(node.getStart(source))}: ${label} is ${length} lines (at most ${MAX_FUNCTION_LINES})`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}
if (problems.length) {
  console.error(`check-size: split these so that each fits in a reader's head:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`check-size: ${files.length} files, none over ${MAX_FILE_LINES} lines, no function over ${MAX_FUNCTION_LINES}`);
