import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BerWriter } from 'ldapts';
import { DACL_SECURITY_INFORMATION, SD_FLAGS_OID, SdFlagsControl } from './sd-flags-control.ts';

test('the control encodes as SEQUENCE { oid, critical FALSE, OCTET STRING { SEQUENCE { INTEGER 4 } } }', () => {
  const writer = new BerWriter();
  new SdFlagsControl(DACL_SECURITY_INFORMATION).write(writer);
  const oid = Buffer.from(SD_FLAGS_OID, 'ascii');
  const expected = Buffer.concat([
    Buffer.from([0x30, 2 + oid.length + 3 + 7]),
    Buffer.from([0x04, oid.length]),
    oid,
    Buffer.from([0x01, 0x01, 0x00]), // criticality FALSE
    Buffer.from([0x04, 0x05, 0x30, 0x03, 0x02, 0x01, 0x04]), // controlValue: DACL only
  ]);
  assert.equal(writer.buffer.toString('hex'), expected.toString('hex'));
});
