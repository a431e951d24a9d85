/** Chat webhook sink against a local node:http receiver: Slack-compatible JSON, changes only, secrets redacted. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ActionRecord } from '../../store/index.ts';
import { ChatWebhookSink, chatMessage, type ChatMessage } from './chat.ts';
import { closedPort, receiver, releaseRecord, verdict } from './testing/fixtures.ts';

const LINKS = { gateUrl: 'https://rh.example.com', grafanaUrl: 'https://grafana.example.com' };
const noSleep = async () => {};

test('posts {text, blocks} on each decision change, nothing while it stays', async () => {
  const hook = await receiver();
  const records: ActionRecord[] = [];
  const webhookUrl = `${hook.url}/services/T000/B000/s3cr3t`;
  const sink = new ChatWebhookSink({ webhookUrl, ...LINKS, record: (a) => void records.push(a) }, { sleep: noSleep });
  try {
    await sink.onVerdict(verdict('continue', 1), undefined, releaseRecord()); // continue is not announced
    await sink.onVerdict(verdict('rollback', 2), verdict('continue', 1), releaseRecord());
    await sink.onVerdict(verdict('rollback', 3), verdict('rollback', 2), releaseRecord()); // unchanged
    await sink.onVerdict(verdict('promote', 4), verdict('rollback', 3), releaseRecord());
    await sink.drain();
    assert.equal(hook.received.length, 2);
    assert.equal(hook.received[0].path, '/services/T000/B000/s3cr3t');
    const first = hook.received[0].body as ChatMessage;
    assert.equal(
      first.text,
      ':rotating_light: release odoo-web-17.0.42 of odoo-web 17.0.42 in production: rollback (was continue), score 12',
    );
    assert.equal(first.blocks[0].type, 'section');
    const context = JSON.stringify(first.blocks.at(-1));
    assert.match(context, /<https:\/\/rh\.example\.com\/api\/v1\/releases\/odoo-web-17\.0\.42\/verdict\|verdict>/);
    assert.match(
      context,
      /<https:\/\/grafana\.example\.com\/d\/rh-release-health\?var-release_id=odoo-web-17\.0\.42\|dashboard>/,
    );
    assert.match((hook.received[1].body as ChatMessage).text, /promote \(was rollback\)/);
    assert.deepEqual(
      records.map((r) => [r.kind, r.state, r.decision]),
      [
        ['chat', 'succeeded', 'rollback'],
        ['chat', 'succeeded', 'promote'],
      ],
    );
    for (const r of records)
      assert.equal(JSON.stringify(r).includes('s3cr3t'), false, 'the webhook secret is never recorded');
    assert.equal(records[0].target, `${hook.url}/services/…`);
  } finally {
    await hook.close();
  }
});

test('reasons are escaped: a reason cannot inject a link or a mention', () => {
  const v = { ...verdict('rollback', 1), reasons: ['<!channel> <https://evil|click> & more'] };
  const text = JSON.stringify(chatMessage(v, undefined, releaseRecord(), LINKS).blocks[2]);
  assert.match(text, /&lt;!channel&gt; &lt;https:\/\/evil\|click&gt; &amp; more/);
});

test('a chat service that is down: failure recorded without the secret, the verdict unaffected', async () => {
  const port = await closedPort();
  const records: ActionRecord[] = [];
  const sink = new ChatWebhookSink(
    {
      webhookUrl: `http://127.0.0.1:${port}/services/T/B/s3cr3t`,
      ...LINKS,
      retry: { attempts: 2 },
      record: (a) => void records.push(a),
    },
    { sleep: noSleep },
  );
  const v = verdict('rollback', 1);
  await sink.onVerdict(v, undefined, releaseRecord());
  await sink.drain();
  assert.equal(records[0].state, 'failed');
  assert.equal(records[0].attempts, 2);
  assert.equal(JSON.stringify(records).includes('s3cr3t'), false);
  assert.equal(v.decision, 'rollback');
});
