/**
 * Text as the PDF's font can show it. The export embeds DejaVu Sans (Latin, Greek, Cyrillic,
 * arrows and most symbols); a character it has no glyph for (say Chinese) would print as an
 * empty box, so it is written as its code point instead, e.g. "[U+4E2D]", which an auditor can
 * still tell apart. Control characters become spaces.
 */

/** Whether the font can draw a character, by code point. */
export type Coverage = (codePoint: number) => boolean;

function printable(char: string, covers: Coverage): string {
  const code = char.codePointAt(0) ?? 0;
  if (code === 0x0a) return char; // a line break breaks the line in the cell too
  if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return ' ';
  if (covers(code)) return char;
  return `[U+${code.toString(16).toUpperCase().padStart(4, '0')}]`;
}

/** `text` in characters the font can show; CR LF and lone CRs become line breaks. */
export function pdfText(text: string, covers: Coverage): string {
  const lines = text.replace(/\r\n?/g, '\n');
  // Nearly every value is plain ASCII: skip the per-character work for those.
  if (/^[\x20-\x7e\n]*$/.test(lines)) return lines;
  let out = '';
  for (const char of lines) out += printable(char, covers);
  return out;
}
