/**
 * The one shape of a subcommand and the one exit-code table every subcommand follows
 * (docs/architecture.md, README "CLI", `release-health --help`). `cli/main.ts` turns thrown errors
 * into these codes, so a command returns only its outcome and throws `UsageError` (bad flags) or
 * an input error (`InputError`, `ConfigError`: a file it was given is wrong).
 */

/**
 * What `$?` means after `release-health <command>`. A CI script can `case` on it: 2, 3 and 4 are
 * analyze's verdicts (kept from its first release, which scripts already test), so usage and input
 * errors take the sysexits.h codes and are never mistaken for a verdict; 1 is "ran and failed",
 * the one worth retrying.
 */
export const EXIT = {
  /** success; analyze: promote or continue */
  ok: 0,
  /** the command ran and failed: a target or tenant down (--once), the store unreachable, a write failed */
  failure: 1,
  /** analyze: the verdict is rollback */
  rollback: 2,
  /** analyze: the verdict is inconclusive */
  inconclusive: 3,
  /** analyze: the verdict is reduce-traffic */
  reduceTraffic: 4,
  /** wrong command line: unknown command or flag, a missing or malformed argument (EX_USAGE) */
  usage: 64,
  /** a config, spec or samples file is unreadable or invalid: `file:line[:column]: field: message` (EX_DATAERR) */
  input: 65,
  /** a bug: an unexpected error (EX_SOFTWARE); RH_DEBUG=1 shows the stack trace */
  internal: 70,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The table as printed by `release-health --help` (and copied into README's CLI section). */
export const EXIT_CODE_HELP = `exit codes (every command):
  0   success (analyze: promote or continue)
  1   ran and failed: a target or tenant down (--once), the store unreachable, a write failed
  2   analyze: rollback
  3   analyze: inconclusive
  4   analyze: reduce-traffic
  64  usage error: unknown command or flag, a missing or malformed argument
  65  input error: a config, spec or samples file unreadable or invalid (file:line[:column]: field: message)
  70  internal error (a bug; RH_DEBUG=1 prints the stack trace)`;

/** Where a command writes: one call per line (or block of lines); `main` adds the newline. */
export interface CommandIo {
  out(text: string): void;
  err(text: string): void;
}

/** A subcommand: `release-health <name> ARGS` runs `run(ARGS, io)` and exits with what it returns. */
export interface Command {
  readonly name: string;
  /** one line for `release-health --help` */
  readonly summary: string;
  /** printed for `release-health <name> --help` */
  readonly usage: string;
  run(args: string[], io: CommandIo): Promise<ExitCode>;
}

/**
 * A line of the command table: name and summary known up front, the rest loaded when the command
 * runs (`analyze` must not pay for PGlite, kafkajs or the Grafana SDK that `serve` needs).
 */
export interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  load(): Promise<CommandBody>;
}

/** What a command's module exports: the part of `Command` that needs its code. */
export type CommandBody = Pick<Command, 'usage' | 'run'>;
