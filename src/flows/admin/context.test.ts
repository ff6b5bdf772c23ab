/** The admin context: the flow context with the admin parts added, its getters still live. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FlowContext } from '../context.ts';
import { type AdminParts, adminContext } from './context.ts';

test('the admin context keeps the flow context’s getters live, and adds its own parts', () => {
  let current = 'first';
  const flow = {
    get t() {
      return () => current;
    },
    now: () => 1,
  } as unknown as FlowContext;
  let mailer: AdminParts['mailer'] = null;
  const parts = {
    get mailer() {
      return mailer;
    },
  } as unknown as AdminParts;
  const ctx = adminContext(flow, parts);
  assert.equal(ctx.t('x'), 'first');
  current = 'second';
  assert.equal(ctx.t('x'), 'second', 'a directory or wording replaced later is the one the flows see');
  assert.equal(ctx.mailer, null);
  mailer = { verify: async () => {} };
  assert.equal(ctx.mailer, mailer);
  assert.equal(ctx.now(), 1);
});
