/**
 * Configuration text (YAML, or JSON read as YAML) parsed with the position of every node, so that
 * any loader can place a `ConfigError` at `file:line:column` — the one reader behind the spec,
 * serve, collect, governance, dashboards, rules and odoo-exporter files. Pure: the caller reads
 * the file.
 */
import { isMap, LineCounter, parseDocument } from 'yaml';
import { ConfigError, type FieldPath, type SourcePosition } from './configError.ts';

export interface ConfigText {
  /** the document as plain data */
  data: unknown;
  /** position of the deepest node along `path` that exists in the document */
  positionOf(path: FieldPath): SourcePosition | undefined;
  /** `error` placed in `file` at its field (or the position of `prefix` + its field) */
  locate<E extends ConfigError>(error: E, prefix?: FieldPath): E;
  /** `validate(data)`; a `ConfigError` it throws is placed at its field */
  validate<T>(validate: (data: unknown) => T): T;
}

/** Parses JSON/YAML text; a syntax error is a `ConfigError` at its line and column. */
export function parseConfigText(text: string, file: string): ConfigText {
  const counter = new LineCounter();
  const at = (offset: number): SourcePosition => {
    const { line, col } = counter.linePos(offset);
    return { line, column: col };
  };
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const first = doc.errors[0];
    throw new ConfigError(`not valid JSON/YAML: ${first.message.split('\n')[0]}`).locate(file, at(first.pos[0]));
  }
  // a bounded alias count stops "billion laughs" documents from expanding without end; the yaml
  // library reports it (and other conversion failures) with a plain ReferenceError/Error
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new ConfigError(`cannot be read: ${(error as Error).message}`).locate(file);
  }
  // a field in a map points at its key (where a typo is), anything else at its value
  const positionOf = (path: FieldPath): SourcePosition | undefined => {
    for (let depth = path.length; depth >= 0; depth--) {
      if (depth > 0) {
        const parent = doc.getIn(path.slice(0, depth - 1) as unknown[], true);
        if (isMap(parent)) {
          const pair = parent.items.find((item) => (item.key as { value?: unknown } | null)?.value === path[depth - 1]);
          const range = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
          if (range) return at(range[0]);
        }
      }
      const node = doc.getIn(path.slice(0, depth) as unknown[], true) as
        { range?: [number, number, number] } | undefined;
      if (node && typeof node === 'object' && node.range) return at(node.range[0]);
    }
    return undefined;
  };
  const locate = <E extends ConfigError>(error: E, prefix: FieldPath = []): E =>
    error.locate(file, positionOf([...prefix, ...(error.path ?? [])]));
  return {
    data,
    positionOf,
    locate,
    validate: (validate) => {
      try {
        return validate(data);
      } catch (error) {
        throw error instanceof ConfigError ? locate(error) : error;
      }
    },
  };
}
