import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PAGE_CSP, SCRIPTED_PAGE_CSP } from './csp.ts';

test('every page may run no script; a scripted page only its own, and fetch only from the portal', () => {
  assert.equal(PAGE_CSP.scriptSrc, undefined);
  assert.equal(PAGE_CSP.connectSrc, undefined);
  assert.equal(
    SCRIPTED_PAGE_CSP,
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; script-src 'self'; connect-src 'self'",
  );
});
