/**
 * Traefik file-provider action: moves weight between the stable and the canary service.
 *
 * Shape: Flagger's Traefik integration (a `TraefikService` with `weighted.services` named
 * `<name>-primary` and `<name>-canary`), written under Traefik's file-provider layout:
 *
 *   http:
 *     services:
 *       odoo:
 *         weighted:
 *           services:
 *             - { name: odoo-primary, weight: 90 }
 *             - { name: odoo-canary, weight: 10 }
 *
 * Decisions: `reduce-traffic` halves the canary weight (rounded down, so 1 → 0); `rollback` sets it
 * to 0; `promote` sends everything to the canary (canary = total, primary 0) — the new version
 * takes all traffic until the platform makes it the primary (Flagger does so and resets the
 * weights itself). The total (primary + canary) is kept, 100 when the file has none.
 *
 * The current weights are read from the file, so a person or Flagger changing them is respected.
 * Writes are atomic: a temp file in the same directory (a name ending in `.tmp`, which Traefik's
 * directory provider does not load), fsync, then rename over the target — a reader sees the old
 * or the new file, never part of one. Every other key of the file (routers, the load balancers,
 * comments) is kept. Writes to one file are serialised within the process.
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isMap, isSeq, parseDocument, type Document } from 'yaml';
import type { Decision } from '../../analyzer/index.ts';
import { DeliveryError } from './delivery.ts';
import type { Action, ActionAttempt, ActionContext } from './types.ts';

export interface TraefikActionOptions {
  /** the dynamic-configuration file Traefik watches */
  file: string;
  /** the weighted service's name (default: the release's `service`) */
  service?: string;
  /** canary share (%) assumed when the file has no weights yet (default: the release's `canaryWeight`, else 10) */
  defaultCanaryWeight?: number;
  on?: readonly Decision[];
}

export interface Weights {
  primary: number;
  canary: number;
}

export const TRAEFIK_DECISIONS: readonly Decision[] = ['reduce-traffic', 'rollback', 'promote'];

/** The weights after `decision`, the total kept. Other decisions leave them as they are. */
export function nextWeights(current: Weights, decision: Decision): Weights {
  const total = current.primary + current.canary;
  const canary =
    decision === 'reduce-traffic'
      ? Math.floor(current.canary / 2)
      : decision === 'rollback'
        ? 0
        : decision === 'promote'
          ? total
          : current.canary;
  return { primary: total - canary, canary };
}

const locks = new Map<string, Promise<unknown>>();

/** Runs `fn` after every earlier write to the same file in this process has finished. */
function serialised<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const next = (locks.get(file) ?? Promise.resolve()).then(fn, fn);
  const settled = next.catch(() => undefined);
  locks.set(file, settled);
  void settled.then(() => locks.get(file) === settled && locks.delete(file));
  return next;
}

/** Writes `text` to `file` atomically (temp file in the same directory, fsync, rename). */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', 0o644);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, file);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}

async function readDocument(file: string): Promise<Document> {
  try {
    const doc = parseDocument(await readFile(file, 'utf8'));
    if (doc.errors.length > 0)
      throw new DeliveryError(`${file} is not valid YAML: ${doc.errors[0].message}`, { retryable: false });
    return doc;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return parseDocument('{}');
    throw err;
  }
}

function currentWeights(doc: Document, path: string[], names: { primary: string; canary: string }): Partial<Weights> {
  const list = doc.getIn(path);
  const out: Partial<Weights> = {};
  if (!isSeq(list)) return out;
  for (const item of list.items) {
    if (!isMap(item)) continue;
    const name = item.get('name');
    const weight = Number(item.get('weight'));
    if (!Number.isFinite(weight) || weight < 0) continue;
    if (name === names.primary) out.primary = weight;
    if (name === names.canary) out.canary = weight;
  }
  return out;
}

export function createTraefikAction(options: TraefikActionOptions): Action {
  if (!options.file) throw new DeliveryError('traefik action needs a file', { retryable: false });
  const fallback = options.defaultCanaryWeight;
  if (fallback !== undefined && !(Number.isInteger(fallback) && fallback >= 0 && fallback <= 100))
    throw new DeliveryError('defaultCanaryWeight must be an integer in 0..100', { retryable: false });
  return {
    kind: 'traefik',
    target: options.file,
    on: new Set(options.on ?? TRAEFIK_DECISIONS),
    run: ({ verdict, record }: ActionContext, attempt: ActionAttempt) =>
      serialised(options.file, async () => {
        // a local write cannot be interrupted half-way; one whose time is up is not started
        if (attempt.signal.aborted) throw new DeliveryError(`timed out after ${attempt.timeoutMs} ms`);
        const service = options.service ?? record.release.service;
        const names = { primary: `${service}-primary`, canary: `${service}-canary` };
        const path = ['http', 'services', service, 'weighted', 'services'];
        const doc = await readDocument(options.file);
        const found = currentWeights(doc, path, names);
        const share = fallback ?? Math.round(100 * (record.release.canaryWeight ?? 0.1));
        const from: Weights = {
          canary: found.canary ?? (found.primary !== undefined ? 0 : share),
          primary: found.primary ?? (found.canary !== undefined ? 0 : 100 - share),
        };
        if (from.canary + from.primary === 0) from.primary = 100; // all-zero weights: nothing to move, keep a valid total
        const to = nextWeights(from, verdict.decision);
        // keep any other entry of the list (e.g. a mirror), replace ours
        const others =
          (doc.getIn(path) as { items?: unknown[] } | undefined)?.items?.filter(
            (i) => !(isMap(i) && [names.primary, names.canary].includes(String(i.get('name')))),
          ) ?? [];
        const entries = [
          ...others,
          { name: names.primary, weight: to.primary },
          { name: names.canary, weight: to.canary },
        ];
        if (!isMap(doc.contents)) doc.contents = doc.createNode({}) as typeof doc.contents;
        doc.setIn(path, doc.createNode(entries));
        if (attempt.signal.aborted) throw new DeliveryError(`timed out after ${attempt.timeoutMs} ms`);
        await writeFileAtomic(options.file, doc.toString());
        return { service, decision: verdict.decision, from, to };
      }),
  };
}
