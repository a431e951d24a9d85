/**
 * Text from input files (release ids, metric names, error details quoting a line) shown on a
 * terminal. A name holding ESC can move the cursor, recolour or retitle the terminal, NUL and other
 * C0/C1 controls can hide what follows, and U+202E (and the other bidi overrides) can show
 * `kcabllor` as `rollback`. Each such character is written as a visible `\u{…}` escape instead;
 * newline and tab stay.
 */
// C0 except \t \n, DEL, C1, the bidi embeddings/overrides/isolates and the line/paragraph separators
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export function forTerminal(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u{${c.charCodeAt(0).toString(16)}}`);
}
