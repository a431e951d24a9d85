/**
 * Reads the governance policy file (YAML or JSON; format in analyzer/policy/governanceFormat.ts).
 * The I/O half of governance: parsing and every rule stay pure in analyzer/policy.
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { defaultGovernance, GovernanceConfigError, parseGovernance, type GovernanceConfig } from '../analyzer/index.ts';

const MAX_BYTES = 1024 * 1024;

/** No path: the built-in classes and no freeze windows. Errors name the file and each field. */
export async function loadGovernance(path?: string): Promise<GovernanceConfig> {
  if (!path) return defaultGovernance();
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new GovernanceConfigError([`${path}: cannot read: ${(error as NodeJS.ErrnoException).code ?? 'error'}`]);
  }
  if (Buffer.byteLength(text) > MAX_BYTES) throw new GovernanceConfigError([`${path}: larger than ${MAX_BYTES} bytes`]);
  let raw: unknown;
  try {
    // a bounded alias count stops "billion laughs" documents from expanding without end
    raw = parse(text, { maxAliasCount: 100 });
  } catch (error) {
    throw new GovernanceConfigError([`${path}: not valid YAML/JSON: ${(error as Error).message.split('\n')[0]}`]);
  }
  try {
    return parseGovernance(raw);
  } catch (error) {
    if (error instanceof GovernanceConfigError)
      throw new GovernanceConfigError(error.issues.map((issue) => `${path}: ${issue}`));
    throw error;
  }
}
