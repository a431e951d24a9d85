import { analysisSpecSchema, fromKayentaConfig, type AnalysisSpec } from '../analyzer/index.ts';
import { ConfigError } from '../analyzer/configError.ts';
import { parseConfigText } from '../analyzer/configText.ts';
import { readConfigFile, zodToConfigError } from '../service/configDocument.ts';
import { MAX_SAMPLE_TS } from '../collector/ndjson/samples.ts';

const MAX_SPEC_BYTES = 4 * 1024 * 1024;

/**
 * Reads an analysis spec from JSON or YAML (JSON is read by the YAML parser too, so both get the
 * same line numbers in errors). A spec may carry `kayentaConfig` (a Kayenta canary config) in
 * place of `metrics`; it is translated, and its warnings are returned.
 */
export async function loadSpec(path: string): Promise<{ spec: AnalysisSpec; warnings: string[] }> {
  return parseSpec(await readConfigFile(path, 'spec', MAX_SPEC_BYTES), path);
}

export function parseSpec(text: string, path: string): { spec: AnalysisSpec; warnings: string[] } {
  const doc = parseConfigText(text, path);
  const raw = doc.data;
  const warnings: string[] = [];
  let input = raw;
  if (raw && typeof raw === 'object' && 'kayentaConfig' in raw) {
    const { kayentaConfig, ...rest } = raw as Record<string, unknown>;
    if ('metrics' in rest)
      throw doc.locate(
        new ConfigError('metrics: give either `metrics` or `kayentaConfig`, not both', undefined, ['metrics']),
      );
    let translated;
    try {
      translated = fromKayentaConfig(kayentaConfig);
    } catch (error) {
      throw zodToConfigError(error, doc, ['kayentaConfig']);
    }
    warnings.push(...translated.warnings);
    const policy = { ...translated.policy, ...((rest.policy as object | undefined) ?? {}) };
    input = { ...rest, metrics: translated.metrics, groupWeights: translated.groupWeights, policy };
  }
  const result = analysisSpecSchema.safeParse(input);
  if (!result.success) throw zodToConfigError(result.error, doc);
  // a start in year 275,760 (8.64e15) broke the report's dates with a RangeError stack trace
  if (result.data.release.startedAt >= MAX_SAMPLE_TS) {
    throw doc.locate(
      new ConfigError(
        `release.startedAt: ${result.data.release.startedAt} is not an epoch-ms time before 2100-01-01`,
        undefined,
        ['release', 'startedAt'],
      ),
    );
  }
  return { spec: result.data as AnalysisSpec, warnings };
}
