import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { FastifyReply } from 'fastify';
import { PAGE_CSP, SCRIPTED_PAGE_CSP, scriptPolicyFor } from './csp.ts';

test('every page may run no script; a scripted page only its own, and fetch only from the portal', () => {
  assert.equal(PAGE_CSP.scriptSrc, undefined);
  assert.equal(PAGE_CSP.connectSrc, undefined);
  assert.equal(
    SCRIPTED_PAGE_CSP,
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; script-src 'self'; connect-src 'self'",
  );
});

test('a view whose template names a script of ours gets the policy that lets it run, and no other view does', () => {
  // Else the browser blocks the script, and the page (a passkey's, say) cannot do what it is for.
  const views = join(import.meta.dirname, 'views');
  for (const file of readdirSync(views).filter((name) => name.endsWith('.eta'))) {
    const view = file.slice(0, -'.eta'.length);
    const headers = new Map<string, string>();
    const reply = { header: (name: string, value: string) => headers.set(name, value) } as unknown as FastifyReply;
    scriptPolicyFor(reply, view);
    const names = /^<% layout\(.*\bscripts:/m.test(readFileSync(join(views, file), 'utf8'));
    assert.equal(headers.get('content-security-policy'), names ? SCRIPTED_PAGE_CSP : undefined, view);
  }
});
