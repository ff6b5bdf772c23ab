/**
 * The scope check as an attacker would probe it: every test is a DN that tries to pass for one
 * inside OU=Staff (or a base that tries to cover more than it names).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isWithin, outermostBases, parseDn, withinAny } from './scope.ts';

const STAFF = 'OU=Staff,DC=corp,DC=example';

describe('inside the base', () => {
  test('the base itself and any depth below it', () => {
    assert.equal(isWithin(STAFF, STAFF), true);
    assert.equal(isWithin(`CN=Jo Smith,${STAFF}`, STAFF), true);
    assert.equal(isWithin(`CN=Jo Smith,OU=Sales,OU=Berlin,${STAFF}`, STAFF), true);
  });

  test('whatever the case of types and values', () => {
    assert.equal(isWithin('cn=Jo Smith,ou=STAFF,dc=Corp,dc=EXAMPLE', STAFF), true);
    assert.equal(isWithin(`CN=Jo,${STAFF}`, 'ou=staff,dc=corp,dc=example'), true);
    assert.equal(isWithin('CN=Émile,OU=Équipe,DC=corp', 'ou=équipe,dc=CORP'), true);
  });

  test('whatever the spaces around = and ,', () => {
    assert.equal(isWithin('CN=Jo Smith , OU = Staff ,DC= corp, DC =example', STAFF), true);
    assert.equal(isWithin(`  CN=Jo,${STAFF}  `, ' OU=Staff , DC=corp , DC=example '), true);
  });

  test('an escaped comma is part of a value: the entry is still inside', () => {
    assert.equal(isWithin(`CN=Smith\\, Jo,${STAFF}`, STAFF), true);
    assert.equal(isWithin(`CN=Smith\\2C Jo,${STAFF}`, STAFF), true);
    assert.equal(isWithin(`CN=a\\,b,${STAFF}`, STAFF), true);
  });

  test('hex escapes and character escapes name the same value', () => {
    assert.equal(isWithin(`CN=x,OU=R\\26D,DC=corp`, 'OU=R&D,DC=corp'), true);
    assert.equal(isWithin(`CN=x,OU=\\C3\\89quipe,DC=corp`, 'OU=Équipe,DC=corp'), true);
    assert.equal(isWithin(`CN=x,OU=a\\+b,DC=corp`, 'OU=a\\2Bb,DC=corp'), true);
  });
});

describe('attacks that must stay outside', () => {
  test('a sibling whose name extends the base name (suffix trick)', () => {
    assert.equal(isWithin('CN=x,OU=Staff2,DC=corp,DC=example', STAFF), false);
    assert.equal(isWithin('CN=x,OU=NotStaff,DC=corp,DC=example', STAFF), false);
    assert.equal(isWithin('CN=x,OU=Staff,DC=evilcorp,DC=example', STAFF), false);
    assert.equal(isWithin('CN=x,OU=Staff,DC=corp,DC=example,DC=evil', STAFF), false);
  });

  test('a value that ends with the text of the base is one RDN, not the base', () => {
    // What the DC returns for an object named "x,OU=Staff,DC=corp,DC=example" created elsewhere.
    assert.equal(isWithin('CN=x\\,OU=Staff\\,DC=corp\\,DC=example,OU=Vendors,DC=corp,DC=example', STAFF), false);
    assert.equal(isWithin('CN=x\\2COU=Staff\\2CDC=corp\\2CDC=example,OU=Vendors,DC=corp,DC=example', STAFF), false);
    // The same name as the last RDN: not inside the base either.
    assert.equal(isWithin('OU=Staff\\,DC=corp\\,DC=example', STAFF), false);
  });

  test('an escaped comma in the base does not split it', () => {
    assert.equal(isWithin('CN=x,OU=b,OU=a,DC=corp', 'OU=a\\,b,DC=corp'), false);
    assert.equal(isWithin('CN=x,OU=a\\,b,DC=corp', 'OU=a\\,b,DC=corp'), true);
  });

  test('a multi-valued RDN is not the single-valued one it contains', () => {
    assert.equal(isWithin('CN=x,OU=Staff+CN=y,DC=corp,DC=example', STAFF), false);
    assert.equal(isWithin('CN=x,CN=y+OU=Staff,DC=corp,DC=example', 'OU=Staff+CN=y,DC=corp,DC=example'), true);
  });

  test('another attribute type with the same value', () => {
    assert.equal(isWithin('CN=x,CN=Staff,DC=corp,DC=example', STAFF), false);
  });

  test('a parent is not inside its child', () => {
    assert.equal(isWithin('DC=corp,DC=example', STAFF), false);
    assert.equal(isWithin(STAFF, `CN=x,${STAFF}`), false);
  });

  test('an empty or blank base covers nothing (no "root covers all")', () => {
    for (const base of ['', ' ', '   ']) {
      assert.equal(isWithin(`CN=x,${STAFF}`, base), false, JSON.stringify(base));
      assert.equal(isWithin('', base), false, JSON.stringify(base));
    }
    assert.equal(withinAny(`CN=x,${STAFF}`, ['']), false);
    assert.equal(withinAny(`CN=x,${STAFF}`, []), false);
  });

  test('things that are not DNs are inside nothing and cover nothing', () => {
    const notDns = ['Staff', 'OU=Staff,', ',OU=Staff', 'OU=Staff,,DC=corp', 'OU=Staff\\', '=Staff', 'O U=Staff', 'OU=\\C3,DC=corp', '*'];
    for (const bad of notDns) {
      assert.equal(parseDn(bad), null, bad);
      assert.equal(isWithin(`CN=x,${bad}`, bad), false, bad);
      assert.equal(isWithin(bad, STAFF), false, bad);
    }
  });

  test('escaped trailing spaces are part of the value; unescaped ones are not', () => {
    assert.equal(isWithin('CN=x,OU=Staff\\ ,DC=corp,DC=example', STAFF), false);
    assert.equal(isWithin('CN=x,OU=Staff   ,DC=corp,DC=example', STAFF), true);
  });
});

describe('withinAny', () => {
  test('true when one base holds the DN', () => {
    const bases = ['OU=Contractors,DC=corp,DC=example', STAFF];
    assert.equal(withinAny(`CN=x,${STAFF}`, bases), true);
    assert.equal(withinAny('CN=x,OU=Vendors,DC=corp,DC=example', bases), false);
  });
});

describe('outermost bases', () => {
  test('nested bases and repeated spellings are searched once; non-DNs are dropped', () => {
    assert.deepEqual(outermostBases([`OU=Sales,${STAFF}`, STAFF, 'OU=Contractors,DC=corp,DC=example', 'ou=staff, dc=corp,dc=example', '', 'garbage']), [
      STAFF,
      'OU=Contractors,DC=corp,DC=example',
    ]);
  });

  test('siblings with similar names are both kept', () => {
    assert.deepEqual(outermostBases([STAFF, 'OU=Staff2,DC=corp,DC=example']), [STAFF, 'OU=Staff2,DC=corp,DC=example']);
  });
});
