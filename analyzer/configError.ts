/**
 * The one base class for bad configuration, whatever room reads it (scrape targets, actions,
 * governance, dashboards, tokens, the odoo-exporter): `issues` lists every problem found, each as
 * `field: message`, so a caller that knows the file and line (`service/config.ts` → `InputError`,
 * `file:line: field: message`) can report them all without guessing the error's shape. Each room
 * keeps its subclass (and its `name`) so a message still says where it came from.
 */
export class ConfigError extends Error {
  override readonly name: string = 'ConfigError';
  /** every problem, `field: message`; a single message when the reader had no field to name */
  readonly issues: readonly string[];

  constructor(message: string, issues?: readonly string[]) {
    super(message);
    this.issues = issues ?? [message];
  }
}
