/**
 * The logger every room takes: a pino-compatible subset (`pino()` satisfies it), so a room can log
 * without depending on pino, and a test can record what was logged. Never given a token, a
 * password or a request body (see collector/observe/redact.ts for URLs and free text).
 */
export interface Logger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** Logs nothing: the default where no logger is given. */
export const silentLogger: Logger = Object.freeze({ info() {}, warn() {}, error() {} });
