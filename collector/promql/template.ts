/**
 * PromQL query templates: `$cohort`, `$version` and `$service` placeholders expanded per cohort.
 *
 * Rules (documented in `index.ts`):
 *  - a placeholder is `$name` or `${name}` with `name` one of `PLACEHOLDERS`; `$$` is a literal `$`;
 *    any other `$name` / `${name}` is rejected (a typo must not reach Prometheus as text). A `$`
 *    not followed by a letter, `_`, `{` or `$` is kept as is (`"foo$"`, label_replace's `$1`).
 *  - placeholders may only stand inside a quoted PromQL string (`"…"` or `'…'`): the value is
 *    escaped for that string (backslash and the enclosing quote get a backslash), so a value can
 *    never end the string and add PromQL of its own. Outside a string (`rate(x[$cohort])`), inside a
 *    raw backtick string (no escapes exist there) or inside a `#` comment they are rejected.
 *  - values containing a newline, carriage return or NUL are rejected (PromQL strings cannot hold
 *    them unescaped and no label value from a release needs them).
 *  - inside the string right after a regex matcher (`=~` / `!~`) the value is also regex-quoted
 *    (RE2 metacharacters get a backslash), so `odoo.stable` matches only itself.
 */
import type { Cohort, Release } from '../../analyzer/types.ts';
import { COHORTS } from '../../analyzer/types.ts';

export const PLACEHOLDERS = ['cohort', 'version', 'service'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

/** Values of one cohort's placeholders; missing ones fall back to the release (see `cohortPlaceholderValues`). */
export type PlaceholderValues = Partial<Record<Placeholder, string>>;
/** Per-cohort values, e.g. `{ baseline: { cohort: 'odoo-stable@file' }, canary: { cohort: 'odoo-canary@file' } }`. */
export type CohortValues = Partial<Record<Cohort, PlaceholderValues>>;

/** A template that cannot be expanded: unknown placeholder, one outside a string, a bad value. */
export class PromqlTemplateError extends Error {
  constructor(
    readonly template: string,
    readonly problem: string,
  ) {
    super(`PromQL template ${JSON.stringify(template)}: ${problem}`);
    this.name = 'PromqlTemplateError';
  }
}

/** Escapes a value for a PromQL string literal quoted with `quote` (`"` or `'`). */
export function escapePromqlString(value: string, quote: '"' | "'" = '"'): string {
  if (/[\n\r\0]/.test(value))
    throw new Error(`value ${JSON.stringify(value)} contains a newline, carriage return or NUL`);
  let out = '';
  for (const ch of value) out += ch === '\\' || ch === quote ? `\\${ch}` : ch;
  return out;
}

/** Quotes RE2 metacharacters so the value matches only itself inside `=~` / `!~`. */
export function escapeRegex(value: string): string {
  return value.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

const IDENT_START = /[A-Za-z_]/;
const IDENT = /[A-Za-z0-9_]/;

/**
 * Expands `template` with `values`. Throws `PromqlTemplateError` on an unknown placeholder, a
 * placeholder outside a quoted string, a placeholder without a value, or a value with a newline.
 */
export function expandTemplate(template: string, values: PlaceholderValues): string {
  let out = '';
  let quote: '"' | "'" | '`' | undefined;
  let regexString = false;
  let i = 0;
  const fail = (problem: string): never => {
    throw new PromqlTemplateError(template, problem);
  };
  while (i < template.length) {
    const ch = template[i];
    if (ch === '$') {
      const next = template[i + 1];
      if (next === '$') {
        out += '$';
        i += 2;
        continue;
      }
      let name: string | undefined;
      let end = i + 1;
      if (next === '{' && template[i + 2] !== undefined && IDENT_START.test(template[i + 2])) {
        const close = template.indexOf('}', i + 2);
        const inner = close < 0 ? '' : template.slice(i + 2, close);
        if (close < 0 || ![...inner].every((c) => IDENT.test(c)))
          fail(`unterminated or malformed placeholder at offset ${i}`);
        name = inner;
        end = close + 1;
      } else if (next !== undefined && IDENT_START.test(next)) {
        while (end < template.length && IDENT.test(template[end])) end++;
        name = template.slice(i + 1, end);
      }
      if (name === undefined) {
        out += ch;
        i++;
        continue;
      }
      if (!(PLACEHOLDERS as readonly string[]).includes(name)) {
        fail(
          `unknown placeholder $${name} (known: ${PLACEHOLDERS.map((p) => `$${p}`).join(', ')}; write $$ for a literal $)`,
        );
      }
      if (quote === undefined || quote === '`') {
        fail(
          `placeholder $${name} at offset ${i} is ${quote === '`' ? 'inside a raw `string`' : 'outside a quoted string'}; put it inside "…"`,
        );
      }
      const value = values[name as Placeholder];
      if (value === undefined) fail(`placeholder $${name} has no value`);
      let escaped: string;
      try {
        escaped = escapePromqlString(
          regexString ? escapeRegex(value as string) : (value as string),
          quote as '"' | "'",
        );
      } catch (error) {
        return fail(`placeholder $${name}: ${(error as Error).message}`);
      }
      out += escaped;
      i = end;
      continue;
    }
    if (quote !== undefined) {
      // inside a string: a backslash escapes the next character (not in raw backtick strings)
      if (ch === '\\' && quote !== '`' && i + 1 < template.length) {
        out += ch + template[i + 1];
        i += 2;
        continue;
      }
      if (ch === quote) quote = undefined;
      out += ch;
      i++;
      continue;
    }
    if (ch === '#') {
      // a comment runs to the end of the line; placeholders there are not expanded
      const nl = template.indexOf('\n', i);
      const stop = nl < 0 ? template.length : nl;
      const comment = template.slice(i, stop);
      if (/\$\{?[A-Za-z_]/.test(comment.replace(/\$\$/g, ''))) fail(`placeholder inside a # comment at offset ${i}`);
      out += comment;
      i = stop;
      continue;
    }
    if (ch === '"' || ch === "'" || ch === '`') {
      quote = ch;
      regexString = /[=!]~\s*$/.test(out);
    }
    out += ch;
    i++;
  }
  if (quote !== undefined) fail(`unterminated ${quote} string`);
  return out;
}

/**
 * The placeholder values of one cohort: the map's values, else from the release — `$service` is
 * `release.service`, `$version` is `release.version` for the canary and `release.baselineVersion`
 * for the baseline. `$cohort` has no default (it is the selector value naming the cohort).
 */
export function cohortPlaceholderValues(
  release: Pick<Release, 'service' | 'version' | 'baselineVersion'>,
  cohort: Cohort,
  values: PlaceholderValues = {},
): PlaceholderValues {
  const defaults: PlaceholderValues = { service: release.service };
  const version = cohort === 'canary' ? release.version : release.baselineVersion;
  if (version !== undefined) defaults.version = version;
  for (const [k, v] of Object.entries(values)) if (v !== undefined) defaults[k as Placeholder] = v;
  return defaults;
}

/** The cohorts to query: the keys of `cohortValues`, in `COHORTS` order; unknown keys rejected. */
export function cohortsOf(template: string, cohortValues: CohortValues): Cohort[] {
  for (const key of Object.keys(cohortValues)) {
    if (!(COHORTS as readonly string[]).includes(key))
      throw new PromqlTemplateError(
        template,
        `unknown cohort ${JSON.stringify(key)} in the cohort values (baseline, canary)`,
      );
  }
  const cohorts = COHORTS.filter((c) => cohortValues[c] !== undefined);
  if (cohorts.length === 0)
    throw new PromqlTemplateError(template, 'no cohort values given (need baseline and/or canary)');
  return cohorts;
}

/** Expands `template` for every cohort of `cohortValues`. */
export function expandForCohorts(
  template: string,
  release: Pick<Release, 'service' | 'version' | 'baselineVersion'>,
  cohortValues: CohortValues,
): { cohort: Cohort; query: string }[] {
  return cohortsOf(template, cohortValues).map((cohort) => ({
    cohort,
    query: expandTemplate(template, cohortPlaceholderValues(release, cohort, cohortValues[cohort])),
  }));
}
