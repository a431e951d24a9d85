import { escapeLabelValue, unescapeQuoted } from './escape.ts';
import { compareLabelNameStrings, compareLabelNames } from './lex.ts';
import type { Labels } from './types.ts';

/**
 * Label sets as the parsers record them: four Int32 slots per label in `lab` — name start,
 * name end, value start, value end (inside the quotes), the value end stored as `~end` when the
 * value holds escapes — all offsets into the decoded body `s`. These helpers turn them into
 * strings only when asked.
 */

/** End of the value of the label at slot `i`, and whether it holds escapes. */
export function valueEnd(lab: Int32Array, i: number): number {
  const ve = lab[4 * i + 3];
  return ve < 0 ? ~ve : ve;
}

/** Reuses the label-name strings of the previous line, slot by slot, while lines repeat them. */
export class LabelStringCache {
  private names: string[] = [];

  /** Decoded labels of slots [from, to), sharing name strings with the previous call where equal. */
  build(s: string, lab: Int32Array, from: number, to: number): Labels {
    const labels: Labels = {};
    for (let i = from; i < to; i++) {
      const k = 4 * i;
      const ns = lab[k];
      const ne = lab[k + 1];
      const vs = lab[k + 2];
      const ve = lab[k + 3];
      // A fresh slice compared with `===` runs natively; the cached name is already
      // internalized as a property key, which spares a string-table lookup per label.
      let name = s.slice(ns, ne);
      const cachedName = this.names[i];
      if (name === cachedName) name = cachedName;
      else this.names[i] = name;
      setLabel(labels, name, ve < 0 ? unescapeQuoted(s, vs, ~ve) : s.slice(vs, ve));
    }
    return labels;
  }
}

/** Decoded labels of slots [from, to) with fresh strings. */
export function buildLabels(s: string, lab: Int32Array, from: number, to: number): Labels {
  const labels: Labels = {};
  for (let i = from; i < to; i++) {
    const k = 4 * i;
    const ve = lab[k + 3];
    setLabel(
      labels,
      s.slice(lab[k], lab[k + 1]),
      ve < 0 ? unescapeQuoted(s, lab[k + 2], ~ve) : s.slice(lab[k + 2], ve),
    );
  }
  return labels;
}

/** `labels[name] = value`, except that a label named `__proto__` becomes an own property instead of a prototype change. */
function setLabel(labels: Labels, name: string, value: string): void {
  if (name === '__proto__')
    Object.defineProperty(labels, name, { value, enumerable: true, writable: true, configurable: true });
  else labels[name] = value;
}

/**
 * Canonical `name{a="x",b="y"}` of `n` labels from slot 0, in `compareLabelNames` order (by
 * name, `le` and `quantile` last), by insertion sort into
 * `order`, which must hold `n` slots: label sets are small and usually nearly sorted). Values
 * stay as written: each format has exactly one way to escape a character, so the escaped text
 * is canonical too.
 */
export function canonicalKey(s: string, lab: Int32Array, n: number, name: string, order: Int32Array): string {
  if (n === 0) return name;
  for (let i = 0; i < n; i++) {
    let j = i;
    const k = 4 * i;
    while (j > 0 && compareLabelNames(s, lab[4 * order[j - 1]], lab[4 * order[j - 1] + 1], lab[k], lab[k + 1]) > 0) {
      order[j] = order[j - 1];
      j--;
    }
    order[j] = i;
  }
  let key = `${name}{`;
  for (let i = 0; i < n; i++) {
    const k = 4 * order[i];
    key += `${i > 0 ? ',' : ''}${s.slice(lab[k], lab[k + 1])}="${s.slice(lab[k + 2], valueEnd(lab, order[i]))}"`;
  }
  return `${key}}`;
}

/** Canonical `name{a="x",b="y"}` of decoded labels (the same text `canonicalKey` and `seriesKey()` give). */
export function canonicalSeries(name: string, labels: Labels): string {
  const names = Object.keys(labels).sort(compareLabelNameStrings);
  if (names.length === 0) return name;
  return `${name}{${names.map((n) => `${n}="${escapeLabelValue(labels[n])}"`).join(',')}}`;
}

/** Code points of the label names and decoded values of slots [from, to) together. */
export function labelCodePoints(s: string, lab: Int32Array, from: number, to: number): number {
  let total = 0;
  for (let i = from; i < to; i++) {
    const k = 4 * i;
    const ve = lab[k + 3];
    total +=
      codePoints(s.slice(lab[k], lab[k + 1])) +
      codePoints(ve < 0 ? unescapeQuoted(s, lab[k + 2], ~ve) : s.slice(lab[k + 2], ve));
  }
  return total;
}

function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}
