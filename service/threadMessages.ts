/**
 * What the HTTP thread and the analysis thread of the `all` role say to each other
 * (service/analysisHost.ts, service/analysisThreadMain.ts), and how an error crosses over with
 * its class: the gate maps `StoreConflictError` to 409 and the command line maps `InputError` and
 * `StoreError` to their exit codes, so a structured copy's plain `Error` would not do.
 */
import type { Verdict } from '../analyzer/index.ts';
import { InputError, UsageError } from '../analyzer/inputError.ts';
import { DbError } from '../store/sql.ts';
import { StoreIntegrityError } from '../store/integrity.ts';
import { StoreConflictError, StoreError, StoreNotFoundError } from '../store/types.ts';

/** The calls the HTTP thread makes: the store's methods and the release lifecycle's start/stop. */
export type CallTarget = 'store' | 'releases';

export type ToAnalysis =
  { type: 'call'; seq: number; target: CallTarget; method: string; args: unknown[] } | { type: 'close' };

export type FromAnalysis =
  | { type: 'ready'; storeKind: 'postgres' | 'pglite' }
  | { type: 'failed'; error: SentError }
  | { type: 'verdict'; verdict: Verdict }
  | { type: 'reply'; seq: number; value?: unknown; error?: SentError }
  | { type: 'closed' };

export interface SentError {
  name: string;
  message: string;
  /** own enumerable fields (code, file, line, detail) */
  fields: Record<string, unknown>;
}

const CLASSES: Record<string, { prototype: object }> = {
  InputError,
  UsageError,
  StoreError,
  StoreConflictError,
  StoreNotFoundError,
  StoreIntegrityError,
  DbError,
};

export function sendError(error: unknown): SentError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), fields: {} };
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error))
    if (value === null || ['string', 'number', 'boolean', 'undefined'].includes(typeof value)) fields[key] = value;
  return { name: error.name, message: error.message, fields };
}

/** The error again, of its own class when it is one the other side tells apart. */
export function reviveError(sent: SentError): Error {
  const known = CLASSES[sent.name];
  const error = known ? (Object.create(known.prototype) as Error) : new Error(sent.message);
  Object.assign(error, sent.fields, { message: sent.message, name: sent.name });
  if (known) Error.captureStackTrace(error, reviveError);
  return error;
}
