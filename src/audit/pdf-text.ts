/**
 * Text as pdfkit's built-in fonts can show it. Those fonts (no font file to ship or find)
 * encode WinAnsi only: any other character would come out as a wrong glyph, so it is written
 * as its code point instead, e.g. "[U+0416]", which an auditor can still tell apart.
 */

/** The characters WinAnsi adds in 0x80-0x9F, where Latin-1 has control codes. */
const WIN_ANSI_EXTRAS = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');

function printable(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  if ((code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff) || WIN_ANSI_EXTRAS.has(char)) return char;
  if (code === 0x0a) return char; // a line break breaks the line in the cell too
  if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return ' ';
  return `[U+${code.toString(16).toUpperCase().padStart(4, '0')}]`;
}

/** `text` in characters the standard PDF fonts can show; CR LF and lone CRs become line breaks. */
export function pdfText(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n');
  // Nearly every value is plain ASCII: skip the per-character work for those.
  if (/^[\x20-\x7e\n]*$/.test(lines)) return lines;
  let out = '';
  for (const char of lines) out += printable(char);
  return out;
}
