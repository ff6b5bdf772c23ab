import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BerWriter } from 'ldapts';
import { choosePolicyHintsOid, POLICY_HINTS_DEPRECATED_OID, POLICY_HINTS_OID, PolicyHintsControl, resetControls } from './policy-hints.ts';

test('the control encodes as SEQUENCE { oid, critical TRUE, OCTET STRING { SEQUENCE { INTEGER 1 } } }', () => {
  const writer = new BerWriter();
  new PolicyHintsControl(POLICY_HINTS_OID).write(writer);
  const oid = Buffer.from(POLICY_HINTS_OID, 'ascii');
  const expected = Buffer.concat([
    Buffer.from([0x30, 2 + oid.length + 3 + 7]),
    Buffer.from([0x04, oid.length]),
    oid,
    Buffer.from([0x01, 0x01, 0xff]), // criticality TRUE
    Buffer.from([0x04, 0x05, 0x30, 0x03, 0x02, 0x01, 0x01]), // controlValue
  ]);
  assert.equal(writer.buffer.toString('hex'), expected.toString('hex'));
});

test('the current OID is preferred, the deprecated one used when it is all the DC has', () => {
  assert.equal(choosePolicyHintsOid([POLICY_HINTS_DEPRECATED_OID, POLICY_HINTS_OID]), POLICY_HINTS_OID);
  assert.equal(choosePolicyHintsOid(['1.2.840.113556.1.4.319', POLICY_HINTS_DEPRECATED_OID]), POLICY_HINTS_DEPRECATED_OID);
});

test('a DC that lists neither gets no control', () => {
  assert.equal(choosePolicyHintsOid(['1.2.840.113556.1.4.319', '1.2.840.113556.1.4.801']), null);
});

test('a reset carries the critical hints control only for a DC that listed one', () => {
  const [control, ...rest] = resetControls(POLICY_HINTS_DEPRECATED_OID);
  assert.ok(control instanceof PolicyHintsControl);
  assert.equal(control.type, POLICY_HINTS_DEPRECATED_OID);
  assert.equal(control.critical, true);
  assert.equal(rest.length, 0);
  assert.deepEqual(resetControls(null), []);
});
