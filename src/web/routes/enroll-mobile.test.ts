/**
 * The enrollment page asks for a mobile number only when a code can be texted to it: an SMS
 * gateway is configured and 'sms' is among the verification channels.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Client } from 'ldapts';
import { adminClient, createUser, removeEntries } from '../../testing/dev-domain.ts';
import { startTestPortal } from '../../testing/portal.ts';
import { webClient } from '../../testing/web-client.ts';

let admin: Client;
const created: string[] = [];
before(async () => {
  admin = await adminClient();
});
after(async () => {
  await removeEntries(admin, created);
  await admin.unbind();
});

/** The enrollment questions page of a portal with `settings`, signed in as a new user. */
async function questionsPage(settings: Record<string, unknown>): Promise<string> {
  const portal = await startTestPortal(settings);
  try {
    const user = await createUser(admin);
    created.push(user.dn);
    const client = webClient(portal.app.server);
    await client.get('/enroll');
    const page = await client.submit('/enroll', { username: user.sam, domain: '', password: user.password });
    assert.match(page.body, /Your security questions/);
    return page.body;
  } finally {
    await portal.close();
  }
}

test('with an SMS gateway and the sms channel, the page asks for a mobile number', async () => {
  assert.match(await questionsPage({}), /name="mobile"/);
});

test("without an SMS gateway, or without 'sms' among the channels, the page does not ask for a mobile number", async () => {
  const withoutGateway = await questionsPage({ sms: undefined });
  assert.doesNotMatch(withoutGateway, /name="mobile"/);
  assert.match(withoutGateway, /name="email"/);
  assert.doesNotMatch(await questionsPage({ verification: { channels: ['email'] } }), /name="mobile"/);
});
