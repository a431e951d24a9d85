import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { analysisSpecSchema, formatIssues, fromKayentaConfig, type AnalysisSpec } from '../analyzer/index.ts';
import { InputError } from './inputError.ts';

const MAX_SPEC_BYTES = 4 * 1024 * 1024;

/**
 * Reads an analysis spec from JSON or YAML (JSON is read by the YAML parser too, so both get the
 * same line numbers in errors). A spec may carry `kayentaConfig` (a Kayenta canary config) in
 * place of `metrics`; it is translated, and its warnings are returned.
 */
export async function loadSpec(path: string): Promise<{ spec: AnalysisSpec; warnings: string[] }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InputError(path, undefined, `cannot read spec: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  if (Buffer.byteLength(text) > MAX_SPEC_BYTES) throw new InputError(path, undefined, `spec is larger than ${MAX_SPEC_BYTES} bytes`);
  return parseSpec(text, path);
}

export function parseSpec(text: string, path: string): { spec: AnalysisSpec; warnings: string[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const first = doc.errors[0];
    const line = lineCounter.linePos(first.pos[0]).line;
    throw new InputError(path, line, `not valid JSON/YAML: ${first.message.split('\n')[0]}`);
  }
  // a bounded alias count stops "billion laughs" documents from expanding without end
  const raw: unknown = doc.toJS({ maxAliasCount: 100 });
  const warnings: string[] = [];
  let input = raw;
  if (raw && typeof raw === 'object' && 'kayentaConfig' in raw) {
    const { kayentaConfig, ...rest } = raw as Record<string, unknown>;
    if ('metrics' in rest) throw new InputError(path, lineOf(doc, lineCounter, ['metrics']), 'give either `metrics` or `kayentaConfig`, not both');
    let translated;
    try {
      translated = fromKayentaConfig(kayentaConfig);
    } catch (error) {
      throw zodToInputError(error, path, (p) => lineOf(doc, lineCounter, ['kayentaConfig', ...p]));
    }
    warnings.push(...translated.warnings);
    const policy = { ...translated.policy, ...((rest.policy as object | undefined) ?? {}) };
    input = { ...rest, metrics: translated.metrics, groupWeights: translated.groupWeights, policy };
  }
  const result = analysisSpecSchema.safeParse(input);
  if (!result.success) throw zodToInputError(result.error, path, (p) => lineOf(doc, lineCounter, p));
  return { spec: result.data as AnalysisSpec, warnings };
}

function zodToInputError(error: unknown, path: string, line: (p: PropertyKey[]) => number | undefined): Error {
  if (error && typeof error === 'object' && 'issues' in error) {
    type Issue = { path: PropertyKey[]; message: string; code?: string; keys?: string[] };
    const zodError = error as { issues: Issue[] };
    // an unknown key is usually a typo of a known one, and the most useful thing to show first
    zodError.issues.sort((a, b) => Number(b.code === 'unrecognized_keys') - Number(a.code === 'unrecognized_keys'));
    const first = zodError.issues[0];
    const firstPath = first.code === 'unrecognized_keys' && first.keys?.length ? [...first.path, first.keys[0]] : first.path;
    const messages = formatIssues(error as Parameters<typeof formatIssues>[0]);
    const more = messages.length > 1 ? ` (and ${messages.length - 1} more: ${messages.slice(1, 4).join('; ')})` : '';
    return new InputError(path, line(firstPath), `${messages[0]}${more}`);
  }
  return error instanceof Error ? error : new Error(String(error));
}

/** Line of the deepest node along `path` that exists in the document (1-based). */
function lineOf(doc: ReturnType<typeof parseDocument>, counter: LineCounter, path: PropertyKey[]): number | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth) as (string | number)[], true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && node.range) return counter.linePos(node.range[0]).line;
  }
  return undefined;
}
