import { ParserStateError } from './errors.ts';
import { unescapeHelp } from './escape.ts';
import { LabelStringCache, buildLabels, canonicalKey } from './labelSet.ts';
import { LineScanner } from './scanner.ts';
import type { Entry, Exemplar, ExpositionFormat, ExpositionParser, Labels, MetricType } from './types.ts';

/**
 * `next()` and the accessors of `ExpositionParser`, shared by both formats. A format subclass
 * implements `readEntry()` over the current line; strings are cut only when an accessor asks.
 */
export abstract class BaseTextParser extends LineScanner implements ExpositionParser {
  abstract readonly format: ExpositionFormat;
  private current: Entry | undefined = undefined;
  /** Scratch order for `seriesKey()`. */
  private order = new Int32Array(16);
  private readonly labelStrings = new LabelStringCache();

  /** Reads the entry on the line(s) from `pos`; throws through `fail` on bad input. */
  protected abstract readEntry(): Entry;

  next(): Entry {
    if (this.failure !== undefined) throw this.failure;
    if (this.current === 'eof') return 'eof';
    this.current = undefined;
    this.current = this.readEntry();
    return this.current;
  }

  line(): number {
    return this.lineNo;
  }

  private expect(kind: Entry, accessor: string): void {
    if (this.current !== kind) {
      throw new ParserStateError(
        `${accessor}() may only be called after next() returned '${kind}' (current entry: ${this.current ?? 'none'})`,
      );
    }
  }

  metricName(): string {
    this.expect('series', 'metricName');
    return this.name;
  }

  series(): string {
    this.expect('series', 'series');
    return this.s.slice(this.nameStart, this.seriesEnd);
  }

  seriesKey(): string {
    this.expect('series', 'seriesKey');
    if (this.canonical && this.sorted) return this.s.slice(this.nameStart, this.seriesEnd);
    if (this.order.length < this.nLabels) this.order = new Int32Array(this.lab.length / 4);
    return canonicalKey(this.s, this.lab, this.nLabels, this.name, this.order);
  }

  labels(): Labels {
    this.expect('series', 'labels');
    return this.labelStrings.build(this.s, this.lab, 0, this.nLabels);
  }

  labelCount(): number {
    this.expect('series', 'labelCount');
    return this.nLabels;
  }

  value(): number {
    this.expect('series', 'value');
    return this.val;
  }

  timestamp(): number | undefined {
    this.expect('series', 'timestamp');
    return this.hasTs ? this.ts : undefined;
  }

  exemplar(): Exemplar | undefined {
    this.expect('series', 'exemplar');
    if (!this.hasExemplar) return undefined;
    const labels = buildLabels(this.s, this.lab, this.nLabels, this.nLabels + this.nExemplarLabels);
    return this.exemplarHasTs
      ? { labels, value: this.exemplarValue, timestampMs: this.exemplarTs }
      : { labels, value: this.exemplarValue };
  }

  help(): { metric: string; text: string } {
    this.expect('help', 'help');
    return {
      metric: this.metaName,
      text: unescapeHelp(this.s, this.textStart, this.textEnd, this.format === 'openmetrics'),
    };
  }

  type(): { metric: string; type: MetricType } {
    this.expect('type', 'type');
    return { metric: this.metaName, type: this.metaType };
  }

  unit(): { metric: string; unit: string } {
    this.expect('unit', 'unit');
    return { metric: this.metaName, unit: this.s.slice(this.textStart, this.textEnd) };
  }

  comment(): string {
    this.expect('comment', 'comment');
    return this.s.slice(this.textStart, this.textEnd);
  }
}
