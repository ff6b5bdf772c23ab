/**
 * Shedding under a flood, performed with the pressure forced on (no timing involved): an address
 * that keeps starting flows gets the busy page, the same bytes whatever name it types, with
 * nothing written to the database; a person already in a flow goes on; the operators' endpoints
 * and static files are never shed; and once the pressure ends the same address is served again.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Client } from 'ldapts';
import type { Tables } from '../../store/schema.ts';
import { adminClient, createUser, removeEntries, type TestUser } from '../../testing/dev-domain.ts';
import { ANSWERS, enroll, questionOf } from '../../testing/journeys.ts';
import { startTestPortal, type TestPortal } from '../../testing/portal.ts';
import { webClient } from '../../testing/web-client.ts';
import { FRESH_ALLOWANCE, RETRY_AFTER_SECONDS } from '../pressure.ts';

let busy = false;
let portal: TestPortal;
let admin: Client;
let person: TestUser;
before(async () => {
  admin = await adminClient();
  portal = await startTestPortal({}, { pressure: { busy: () => busy, stop() {} } });
  person = await createUser(admin, 'staff');
  await enroll(webClient(portal.app.server, { ip: '10.80.0.1' }), person);
});
after(async () => {
  await portal?.close();
  await removeEntries(admin, [person.dn]);
  await admin.unbind();
});

let address = 0;
const fromNewAddress = () => webClient(portal.app.server, { ip: `10.81.${Math.floor(++address / 250)}.${(address % 250) + 1}` });

const rows = async () => {
  const count = (table: keyof Tables) =>
    portal.app.store.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
      .then((row) => Number(row.n));
  return { sessions: await count('sessions'), audit: await count('audit_events'), throttle: await count('throttle_counters') };
};

describe('under pressure', () => {
  test('an address that keeps starting flows gets the busy page, the same for every name, and nothing is written', async () => {
    busy = true;
    try {
      const flood = fromNewAddress();
      // The allowance: the form and its first step, as a person starting a reset makes them.
      assert.equal((await flood.get('/reset')).status, 200);
      assert.equal((await flood.submit('/reset', { username: `nosuch-${randomBytes(3).toString('hex')}`, domain: '' })).status, 200);
      assert.equal(FRESH_ALLOWANCE, 2);
      const before = await rows();
      const pages = [];
      for (const username of [person.sam, `nosuch-${randomBytes(3).toString('hex')}`, person.sam.toUpperCase()]) {
        pages.push(await flood.get('/reset'));
        pages.push(await flood.post('/reset', { username, domain: '' }));
        pages.push(await flood.get('/unlock'));
      }
      for (const page of pages) {
        assert.equal(page.status, 503);
        assert.equal(page.headers['retry-after'], String(RETRY_AFTER_SECONDS));
        assert.equal(page.body, pages[0]!.body, 'the busy page is the same bytes for every request');
      }
      assert.match(pages[0]!.body, /busy/i);
      assert.deepEqual(await rows(), before, 'a shed request writes no session, audit entry or counter');
    } finally {
      busy = false;
    }
  });

  test('a person already in a flow goes on, and the operators endpoints are never shed', async () => {
    const client = fromNewAddress();
    await client.get('/reset');
    const question = await client.submit('/reset', { username: person.sam, domain: '' });
    busy = true;
    try {
      // This address has made its allowance: a fresh request is shed, the flow's own steps are not.
      const next = await client.submit('/reset/answer', { answer: ANSWERS[questionOf(question)]! });
      assert.equal(next.status, 200);
      assert.notEqual(questionOf(next), questionOf(question), 'the second question follows the first');
      assert.equal((await client.get('/reset')).status, 503, 'a first step with a flow cookie is shed as any other');
      const stranger = fromNewAddress();
      for (let i = 0; i < FRESH_ALLOWANCE; i++) await stranger.get('/reset');
      assert.equal((await stranger.get('/reset')).status, 503);
      assert.equal((await stranger.get('/healthz')).status, 200);
      assert.notEqual((await stranger.get('/readyz')).status, 503);
      const css = /href="(\/static\/[^"]+\.css)"/.exec(question.body)?.[1];
      assert.ok(css);
      assert.equal((await stranger.get(css)).status, 200);
      // A forged flow cookie does not pass for one.
      const forged = webClient(portal.app.server, { ip: '10.82.0.1' });
      for (let i = 0; i < FRESH_ALLOWANCE; i++) await forged.get('/reset');
      forged.cookies.set('lk_flow', 'made-up.signature');
      assert.equal((await forged.get('/reset')).status, 503);
    } finally {
      busy = false;
    }
  });

  test('once the pressure ends, the same address is served again', async () => {
    const client = fromNewAddress();
    busy = true;
    for (let i = 0; i < FRESH_ALLOWANCE; i++) await client.get('/reset');
    assert.equal((await client.get('/reset')).status, 503);
    busy = false;
    assert.equal((await client.get('/reset')).status, 200);
    assert.equal((await client.submit('/reset', { username: person.sam, domain: '' })).status, 200);
  });
});
