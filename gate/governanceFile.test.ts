import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadGovernance } from './governanceFile.ts';

test('loadGovernance: YAML file with errors naming the file and field; no path gives the built-ins', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rh-gov-'));
  try {
    const good = join(dir, 'policy.yaml');
    await writeFile(good, 'classes:\n  tax-hotfix: { extends: emergency-fix, approvalsRequired: 1 }\nfreezes: []\n');
    assert.equal((await loadGovernance(good)).classes['tax-hotfix'].approvalsRequired, 1);
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'classes:\n  standard: { obsreveMs: 5m }\n');
    await assert.rejects(loadGovernance(bad), /bad\.yaml:2:\d+: .*obsreveMs/);
    assert.ok((await loadGovernance()).classes.standard);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
