/**
 * Whether a DN lies inside a subtree: the check that helpdesk authority rests on, so it compares
 * parsed RDNs rather than strings. A plain suffix test would put `CN=x,OU=Staff2,DC=corp`
 * inside `OU=Staff,DC=corp`, and miss `cn=x, ou=staff,dc=corp`; escaped commas (`\,`, `\2C`)
 * belong to a value and never end an RDN. Anything that does not parse as a DN, the empty DN
 * included, is inside nothing and contains nothing (fail closed).
 */

/** An attribute type: a name (cn, OU, msDS-x) or a dotted OID. */
const ATTRIBUTE_TYPE = /^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)*)$/;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The RDNs of `dn`, leaf first, each as a comparable key (types and values lower-cased, values
 * unescaped, the AVAs of a multi-valued RDN sorted); null when `dn` is not a DN.
 */
export function parseDn(dn: string): string[] | null {
  let at = 0;
  const skipSpaces = () => {
    while (dn[at] === ' ') at++;
  };

  /** An attribute value, unescaped, up to an unescaped `,` or `+`. */
  const readValue = (): string | null => {
    const bytes: number[] = [];
    // Unescaped trailing spaces are not part of the value; escaped ones are.
    let significant = 0;
    while (at < dn.length && dn[at] !== ',' && dn[at] !== '+') {
      const char = dn[at]!;
      if (char === '\\') {
        const hex = /^[0-9A-Fa-f]{2}/.exec(dn.slice(at + 1, at + 3))?.[0];
        if (hex) {
          bytes.push(parseInt(hex, 16));
          at += 3;
        } else if (at + 1 < dn.length) {
          const escaped = dn.codePointAt(at + 1)!;
          bytes.push(...Buffer.from(String.fromCodePoint(escaped), 'utf8'));
          at += escaped > 0xffff ? 3 : 2;
        } else {
          return null; // a backslash at the very end escapes nothing
        }
        significant = bytes.length;
      } else {
        const codePoint = dn.codePointAt(at)!;
        bytes.push(...Buffer.from(String.fromCodePoint(codePoint), 'utf8'));
        at += codePoint > 0xffff ? 2 : 1;
        if (char !== ' ') significant = bytes.length;
      }
    }
    try {
      return utf8.decode(Uint8Array.from(bytes.slice(0, significant)));
    } catch {
      return null; // hex escapes that are not UTF-8
    }
  };

  const rdns: string[] = [];
  skipSpaces();
  if (at >= dn.length) return null;
  for (;;) {
    const avas: [string, string][] = [];
    for (;;) {
      skipSpaces();
      const equals = dn.indexOf('=', at);
      if (equals < 0) return null;
      const type = dn.slice(at, equals).trim();
      if (!ATTRIBUTE_TYPE.test(type)) return null;
      at = equals + 1;
      skipSpaces();
      const value = readValue();
      if (value === null) return null;
      avas.push([type.toLowerCase(), value.normalize('NFC').toLowerCase()]);
      if (dn[at] !== '+') break;
      at++;
    }
    rdns.push(JSON.stringify(avas.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
    if (at >= dn.length) return rdns;
    at++; // the comma
  }
}

/** True when `dn` is `base` or lies below it. False when either is not a DN (or is empty). */
export function isWithin(dn: string, base: string): boolean {
  const entry = parseDn(dn);
  const subtree = parseDn(base);
  if (!entry || !subtree || subtree.length > entry.length) return false;
  const offset = entry.length - subtree.length;
  return subtree.every((rdn, index) => entry[offset + index] === rdn);
}

/** True when `dn` lies inside at least one of `bases`; false for no bases. */
export function withinAny(dn: string, bases: readonly string[]): boolean {
  return bases.some((base) => isWithin(dn, base));
}

/**
 * The bases to search so that every subtree is searched once: those that are DNs and do not lie
 * inside another base (of two spellings of one DN, the first is kept), in the given order.
 */
export function outermostBases(bases: readonly string[]): string[] {
  const kept: string[] = [];
  bases.forEach((base, index) => {
    if (!isWithin(base, base)) return;
    const covered = bases.some((other, otherIndex) => {
      if (otherIndex === index || !isWithin(base, other)) return false;
      // Nested strictly inside another base, or the same DN spelled again later.
      return !isWithin(other, base) || otherIndex < index;
    });
    if (!covered) kept.push(base);
  });
  return kept;
}
