/**
 * The one base class for bad configuration, whatever room reads it (scrape targets, actions,
 * governance, dashboards, tokens, the odoo-exporter, specs, the serve and collect configs). It
 * carries where the problem is: the field path (`targets[0].intervalMs`) from whoever validated
 * the data, and the file, line and column from whoever read the text (`locate`, with the
 * positions of `configText.ts`), so every loader reports `file:line:column: field: message`.
 * `issues` lists every problem found, each as `field: message`. Each room keeps its subclass
 * (and its `name`) so a message still says where it came from.
 */

/** A path into a parsed document: keys and array indexes, outermost first. */
export type FieldPath = readonly PropertyKey[];

/** 1-based line and column of a node in the text it was parsed from. */
export interface SourcePosition {
  line: number;
  column: number;
}

/** `targets[0].intervalMs`; `(root)` for the empty path. */
export function formatFieldPath(path: FieldPath): string {
  const text = path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
  return text || '(root)';
}

export class ConfigError extends Error {
  override readonly name: string = 'ConfigError';
  /** every problem, `field: message`; a single message when the reader had no field to name */
  readonly issues: readonly string[];
  /** the first offending field, when the validator knew it */
  readonly path: FieldPath | undefined;
  /** the problem without its location */
  readonly detail: string;
  #file: string | undefined;
  #position: SourcePosition | undefined;

  constructor(message: string, issues?: readonly string[], path?: FieldPath) {
    super(message);
    this.detail = message;
    this.issues = issues ?? [message];
    this.path = path;
  }

  get file(): string | undefined {
    return this.#file;
  }
  get line(): number | undefined {
    return this.#position?.line;
  }
  get column(): number | undefined {
    return this.#position?.column;
  }
  /** the first offending field as text, e.g. `targets[0].intervalMs` */
  get field(): string | undefined {
    return this.path === undefined ? undefined : formatFieldPath(this.path);
  }

  /**
   * A room's error listing every problem: `invalid <what>: issue; issue`, pointed at `path`.
   * @example throw ScrapeConfigError.fromIssues('scrape config', ['[0].url: must be a URL'], [0, 'url'])
   */
  static fromIssues<E extends ConfigError>(
    this: new (message: string, issues?: readonly string[], path?: FieldPath) => E,
    what: string,
    issues: readonly string[],
    path?: FieldPath,
  ): E {
    return new this(`invalid ${what}: ${issues.join('; ')}`, issues, path);
  }

  /**
   * Places the error in the file it came from (once: the innermost reader knows best); the
   * message becomes `file:line:column: detail`.
   */
  locate(file: string, position?: SourcePosition): this {
    if (this.#file !== undefined) return this;
    this.#file = file;
    this.#position = position;
    const where = position ? `${file}:${position.line}:${position.column}` : file;
    this.message = `${where}: ${this.detail}`;
    return this;
  }
}

/**
 * The path of the issue worth pointing at first: an unknown key is usually a typo of a known one,
 * so such issues go first, pointed at the key itself. Shaped like a zod error without importing zod.
 */
export function firstIssuePath(error: {
  issues: readonly { path: readonly PropertyKey[]; code?: string; keys?: readonly string[] }[];
}): FieldPath | undefined {
  const issue = error.issues.find((i) => i.code === 'unrecognized_keys') ?? error.issues[0];
  if (!issue) return undefined;
  return issue.code === 'unrecognized_keys' && issue.keys?.length ? [...issue.path, issue.keys[0]] : issue.path;
}
