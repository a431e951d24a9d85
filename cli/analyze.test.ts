import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { EXIT } from './command.ts';
import { runCli, tempFiles } from './testing/cliRun.ts';

const { dir, write } = tempFiles('rh-cli-');
const run = runCli;

const START = 1_795_773_600_000;
const goodSpec = `release:
  id: rel-1
  service: odoo
  version: "17.0.6"
  environment: staging
  strategy: canary
  class: standard
  startedAt: ${START}
policy:
  observeMs: 600000
metrics:
  - name: latency
    group: business
    kind: latency
    harm: increase
    tolerance: 0.1
`;

test('analyze --help prints its usage with exit 0', async () => {
  const help = await run(['analyze', '--help']);
  assert.equal(help.code, EXIT.ok);
  assert.match(help.out, /release-health analyze --spec FILE/);
});

test('missing flags, unknown flags and a bad mode are usage errors', async () => {
  assert.match((await run(['analyze', '--samples', 'x'])).err, /--spec FILE is required/);
  assert.equal((await run(['analyze', '--spec', 'a', '--samples', 'b', '--bogus'])).code, EXIT.usage);
  const mode = await run(['analyze', '--spec', 'a', '--samples', 'b', '--mode', 'bayes']);
  assert.equal(mode.code, EXIT.usage);
  assert.match(mode.err, /--mode must be sequential or fixed/);
  assert.match((await run(['analyze', '--spec', 'a', '--samples', 'b', '--interval', 'soon'])).err, /--interval/);
});

test('a spec error names the file, the line and the field', async () => {
  const spec = write('bad-spec.yaml', goodSpec.replace('tolerance: 0.1', 'tolerence: 0.1'));
  const samples = write('empty.ndjson', '');
  const result = await run(['analyze', '--spec', spec, '--samples', samples]);
  assert.equal(result.code, EXIT.input);
  // the misspelt key sits on line 16, column 5 of the YAML above
  assert.match(result.err, /bad-spec\.yaml:16:5: metrics\[0\]: Unrecognized key: "tolerence"/);
});

test('an unknown release class is rejected, never treated as standard', async () => {
  const spec = write('class.yaml', goodSpec.replace('class: standard', 'class: friday-afternoon'));
  const result = await run(['analyze', '--spec', spec, '--samples', write('e2.ndjson', '')]);
  assert.equal(result.code, EXIT.input);
  assert.match(result.err, /unknown release class "friday-afternoon"/);
});

test('malformed JSON/YAML in the spec reports its line', async () => {
  const spec = write('broken.json', '{\n  "release": {\n    "id": "x",,\n  }\n}\n');
  const result = await run(['analyze', '--spec', spec, '--samples', write('e3.ndjson', '')]);
  assert.equal(result.code, EXIT.input);
  assert.match(result.err, /broken\.json:3:15: not valid JSON\/YAML/);
});

test('a bad sample line names the file, the line and the field', async () => {
  const spec = write('ok.yaml', goodSpec);
  const lines = [
    JSON.stringify({ ts: START + 1000, metric: 'latency', cohort: 'canary', value: 0.3 }),
    '',
    JSON.stringify({ ts: START + 2000, metric: 'latency', cohort: 'treatment', value: 0.3 }),
  ];
  const result = await run(['analyze', '--spec', spec, '--samples', write('bad.ndjson', lines.join('\n'))]);
  assert.equal(result.code, EXIT.input);
  assert.match(result.err, /bad\.ndjson:3: cohort/);
  const notJson = await run(['analyze', '--spec', spec, '--samples', write('bad2.ndjson', '{"ts": 1,\n')]);
  assert.match(notJson.err, /bad2\.ndjson:1: not valid JSON/);
  const extra = await run([
    'analyze',
    '--spec',
    spec,
    '--samples',
    write('bad3.ndjson', JSON.stringify({ ts: START, metric: 'latency', cohort: 'canary', value: 1, colour: 'red' })),
  ]);
  assert.match(extra.err, /bad3\.ndjson:1: .*colour/);
  const missing = await run(['analyze', '--spec', spec, '--samples', join(dir, 'nope.ndjson')]);
  assert.match(missing.err, /nope\.ndjson: cannot read samples: ENOENT/);
});

test('no data at all ends inconclusive (exit 3), never promote', async () => {
  const spec = write('nodata.yaml', goodSpec);
  // samples only before the window's end, too few to judge: the last look is at the first interval boundary
  const lines = [0, 1, 2].map((i) =>
    JSON.stringify({ ts: START + 600_000 + i, metric: 'latency', cohort: 'canary', value: 0.3 }),
  );
  const result = await run(['analyze', '--spec', spec, '--samples', write('few.ndjson', lines.join('\n')), '--json']);
  const parsed = JSON.parse(result.out) as { verdict: { decision: string; metrics: { classification: string }[] } };
  assert.equal(parsed.verdict.decision, 'inconclusive');
  assert.equal(parsed.verdict.metrics[0].classification, 'nodata');
  assert.equal(result.code, 3);
});
