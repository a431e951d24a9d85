/**
 * JSON as the gate and the sample files accept it: what `JSON.parse` takes, minus what it silently
 * changes or what the store would change later.
 *
 * - a key given twice: `JSON.parse` keeps the last one without a word, so what was validated is
 *   not what the sender meant;
 * - a `__proto__` key: an own property after `JSON.parse`, dropped by the object copies zod and
 *   the store make, so a `groupWeights {"__proto__": 5}` was answered 201 and stored without it;
 * - U+0000 (PostgreSQL text and jsonb cannot hold it) and lone UTF-16 surrogates (`\ud800`; not
 *   a character, replaced by U+FFFD or refused on the way to the store and to other tools).
 *
 * Each problem is reported with the path of the field (`spec.groupWeights.__proto__`), like the
 * schema's own messages.
 */

/** A refused piece of JSON: where (`release.service`, `(root)`) and why. */
export interface JsonProblem {
  path: string;
  message: string;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why a string may not be stored, or `undefined`. */
export function textProblem(text: string): string | undefined {
  if (text.includes('\u0000')) return 'contains a NUL character (U+0000)';
  if (LONE_SURROGATE.test(text)) return 'contains a lone UTF-16 surrogate (not a Unicode character)';
  return undefined;
}

const pathOf = (parts: readonly (string | number)[]): string =>
  parts.length === 0
    ? '(root)'
    : parts.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');

interface Frame {
  /** keys seen so far (objects); `undefined` for arrays */
  keys: Set<string> | undefined;
  /** objects: the current key; arrays: the current index */
  at: string | number;
  expectKey: boolean;
}

/**
 * The first duplicate or `__proto__` key of a JSON text that `JSON.parse` has already accepted
 * (so the text is well formed), or `undefined`. One linear pass; keys are compared decoded
 * (`"a"` and `"\u0061"` are the same key).
 */
export function duplicateKeyProblem(text: string): JsonProblem | undefined {
  const stack: Frame[] = [];
  const path = () => pathOf(stack.map((f) => f.at));
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let j = i + 1;
      let escaped = false;
      while (j < text.length) {
        const d = text.charCodeAt(j);
        if (d === 0x5c /* \ */) {
          escaped = true;
          j += 2;
          continue;
        }
        if (d === 0x22) break;
        j++;
      }
      const top = stack[stack.length - 1];
      if (top?.keys !== undefined && top.expectKey) {
        const key = escaped ? (JSON.parse(text.slice(i, j + 1)) as string) : text.slice(i + 1, j);
        top.at = key;
        if (key === '__proto__')
          return { path: path(), message: 'the key "__proto__" is not accepted (it would be dropped silently)' };
        if (top.keys.has(key)) return { path: path(), message: `the key "${key.slice(0, 64)}" is given twice` };
        top.keys.add(key);
        top.expectKey = false;
      }
      i = j;
    } else if (c === 0x7b /* { */) {
      stack.push({ keys: new Set(), at: '', expectKey: true });
    } else if (c === 0x5b /* [ */) {
      stack.push({ keys: undefined, at: 0, expectKey: false });
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top === undefined) continue;
      if (top.keys !== undefined) top.expectKey = true;
      else top.at = (top.at as number) + 1;
    }
  }
  return undefined;
}

/** The first string or key of a parsed JSON value that `textProblem` refuses, with its path; iterative (hostile depth). */
export function storedTextProblem(value: unknown): JsonProblem | undefined {
  const stack: [unknown, (string | number)[]][] = [[value, []]];
  while (stack.length > 0) {
    const [v, at] = stack.pop()!;
    if (typeof v === 'string') {
      const problem = textProblem(v);
      if (problem !== undefined) return { path: pathOf(at), message: problem };
    } else if (v !== null && typeof v === 'object') {
      if (Array.isArray(v)) v.forEach((child, i) => stack.push([child, [...at, i]]));
      else
        for (const [k, child] of Object.entries(v)) {
          const problem = textProblem(k);
          if (problem !== undefined) return { path: pathOf([...at, k]), message: `key ${problem}` };
          stack.push([child, [...at, k]]);
        }
    }
  }
  return undefined;
}

/**
 * `JSON.parse` plus the checks above. Throws `SyntaxError` for malformed text and
 * `StrictJsonError` (with the field's path) for what is well formed but refused.
 */
export class StrictJsonError extends Error {
  override readonly name = 'StrictJsonError';
  constructor(readonly problem: JsonProblem) {
    super(`${problem.path}: ${problem.message}`);
  }
}
