/**
 * What a person typed (a reason, a name, an incident id), made safe to print on a terminal:
 * control characters (ANSI escapes, line breaks), format characters (right-to-left overrides,
 * zero-width spaces) and line separators become visible escapes. A `--reason` with a newline can
 * then not forge an `approvers:` line in the approver's view, nor an escape sequence recolour it.
 */
const HIDDEN = /[\p{Cc}\p{Cf}\u2028\u2029]/gu;

/** One line's worth of text, every hidden character shown as an escape (`\n`, `\u{202e}`). */
export function shown(text: string): string {
  return text.replace(HIDDEN, (ch) => {
    if (ch === '\n') return '\\n';
    if (ch === '\r') return '\\r';
    if (ch === '\t') return '\\t';
    return `\\u{${(ch.codePointAt(0) ?? 0).toString(16)}}`;
  });
}

/** Lines built by flagops (each may hold typed text), made safe one by one and joined. */
export function shownLines(lines: readonly string[]): string {
  return lines.map(shown).join('\n');
}
