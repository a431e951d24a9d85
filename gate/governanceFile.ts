/**
 * Reads the governance policy file (YAML or JSON; format in analyzer/policy/governanceFormat.ts).
 * The I/O half of governance: parsing and every rule stay pure in analyzer/policy.
 */
import { readFile } from 'node:fs/promises';
import { parseConfigText } from '../analyzer/configText.ts';
import { defaultGovernance, GovernanceConfigError, parseGovernance, type GovernanceConfig } from '../analyzer/index.ts';

const MAX_BYTES = 1024 * 1024;

/** No path: the built-in classes and no freeze windows. Errors name the file, line, column and field. */
export async function loadGovernance(path?: string): Promise<GovernanceConfig> {
  if (!path) return defaultGovernance();
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw GovernanceConfigError.fromIssues('governance config', [
      `cannot read: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
    ]).locate(path);
  }
  if (Buffer.byteLength(text) > MAX_BYTES)
    throw GovernanceConfigError.fromIssues('governance config', [`larger than ${MAX_BYTES} bytes`]).locate(path);
  return parseConfigText(text, path).validate(parseGovernance);
}
