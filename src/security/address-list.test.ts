/** Address lists: what an entry may be, and how a client address is judged against the list. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configSchema } from '../config/schema.ts';
import { addressEntryProblem, addressList, listed } from './address-list.ts';

test('an entry is an IPv4 or IPv6 address, or a CIDR with a prefix its family allows', () => {
  for (const good of ['192.0.2.1', '192.0.2.0/24', '0.0.0.0/0', '2001:db8::/64', '::1', '::ffff:192.0.2.1'])
    assert.equal(addressEntryProblem(good), null, good);
  for (const bad of ['192.0.2.0/33', '2001:db8::/129', '192.0.2.0/', '192.0.2.0/x', '192.0.2.0/24/8', 'example.com', '192.0.2', '']) {
    assert.ok(addressEntryProblem(bad), bad);
  }
});

test('a bad entry in admin.allowFrom is named when the configuration is read', () => {
  const read = configSchema.safeParse({ admin: { allowFrom: ['192.0.2.0/24', '10.0.0.0/40'] } });
  assert.equal(read.success, false);
  const issue = read.error!.issues.find((found) => found.path.join('.') === 'admin.allowFrom.1');
  assert.match(issue?.message ?? '', /prefix length/);
});

test('IPv4-mapped IPv6 clients are judged as IPv4, in ranges and single addresses of both families', () => {
  const list = addressList(['192.0.2.0/24', '198.51.100.7', '::ffff:203.0.113.9', '2001:db8:1:2::/64']);
  for (const inside of ['192.0.2.200', '::ffff:192.0.2.1', '::FFFF:198.51.100.7', '203.0.113.9', '2001:db8:1:2:ffff::1'])
    assert.ok(listed(list, inside), inside);
  for (const outside of ['192.0.3.1', '::ffff:198.51.100.8', '2001:db8:1:3::1', 'not-an-address', '']) assert.ok(!listed(list, outside), outside);
});
