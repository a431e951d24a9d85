import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { parseAnalyzeWorkerArgs } from './analyzeWorker.ts';
import { UsageError } from '../analyzer/inputError.ts';

const silent = pino({ level: 'silent' });

test('analyze-worker arguments: brokers, store from the flag or RH_STORE_URL, defaults', () => {
  const o = parseAnalyzeWorkerArgs(
    ['--kafka', 'a:1, b:2', '--partitions', '12', '--metrics-port', '0', '--tick-every-ms', '0'],
    { RH_STORE_URL: 'postgres://x/y' },
    silent,
  );
  assert.notEqual(o, 'help');
  if (o === 'help') return;
  assert.deepEqual(o.brokers, ['a:1', 'b:2']);
  assert.equal(o.storeUrl, 'postgres://x/y');
  assert.equal(o.group, 'pipeline');
  assert.equal(o.partitions, 12);
  assert.deepEqual(o.metrics, { host: '127.0.0.1', port: 0 });
  assert.equal(o.tickEveryMs, 0);
  assert.equal(o.checkpointIntervalMs, 2000);
  const flag = parseAnalyzeWorkerArgs(
    ['--kafka', 'a:1', '--store', 'postgres://z', '--group', 'g'],
    { RH_STORE_URL: 'postgres://x/y' },
    silent,
  );
  assert.ok(flag !== 'help' && flag.storeUrl === 'postgres://z' && flag.group === 'g' && flag.metrics === undefined);
  assert.equal(parseAnalyzeWorkerArgs(['--help'], {}, silent), 'help');
});

test('analyze-worker arguments: missing brokers or store, bad numbers and unknown flags are usage errors', () => {
  assert.throws(() => parseAnalyzeWorkerArgs([], { RH_STORE_URL: 'postgres://x' }, silent), UsageError);
  assert.throws(() => parseAnalyzeWorkerArgs(['--kafka', 'a:1'], {}, silent), /RH_STORE_URL/);
  assert.throws(
    () => parseAnalyzeWorkerArgs(['--kafka', 'a:1', '--store', 's', '--partitions', '0'], {}, silent),
    /--partitions/,
  );
  assert.throws(
    () => parseAnalyzeWorkerArgs(['--kafka', 'a:1', '--store', 's', '--metrics-port', 'x'], {}, silent),
    UsageError,
  );
  assert.throws(
    () => parseAnalyzeWorkerArgs(['--kafka', 'a:1', '--store', 's', '--log-level', 'loud'], {}, silent),
    UsageError,
  );
  assert.throws(() => parseAnalyzeWorkerArgs(['--kafka', 'a:1', '--store', 's', '--nope'], {}, silent), {
    code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION',
  });
});
