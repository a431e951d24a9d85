/** Chat webhook action: the action contract, Slack-compatible JSON on changes only, the URL's secret never recorded. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPgliteStore } from '../../store/index.ts';
import { createActionSink } from '../actions/runner.ts';
import { receiverTarget, runActionContract } from '../actions/testing/actionContract.ts';
import { scriptedReceiver } from '../actions/testing/scriptedReceiver.ts';
import { chatMessage, createChatAction, type ChatMessage } from './chat.ts';
import { releaseRecord, T0, verdict } from './testing/fixtures.ts';

const LINKS = { gateUrl: 'https://rh.example.com', grafanaUrl: 'https://grafana.example.com' };

runActionContract({
  name: 'chat',
  delivers: ['promote', 'reduce-traffic', 'rollback', 'inconclusive'],
  background: true,
  canHang: true,
  make: async ({ timeoutMs }) => {
    const hook = await scriptedReceiver();
    return receiverTarget(
      hook,
      createChatAction({ webhookUrl: `${hook.url}/services/T000/B000/s3cr3t-hook`, ...LINKS, timeoutMs }),
      ['s3cr3t-hook', 'T000/B000'],
    );
  },
});

test('posts {text, blocks} on each decision change, nothing while it stays', async () => {
  const hook = await scriptedReceiver();
  const record = releaseRecord();
  const store = await createPgliteStore();
  await store.createRelease(record, {
    at: T0,
    actor: 'test',
    action: 'release.register',
    releaseId: record.release.id,
  });
  const webhookUrl = `${hook.url}/services/T000/B000/s3cr3t`;
  const sink = createActionSink({
    store,
    actions: [createChatAction({ webhookUrl, ...LINKS })],
    background: true,
  });
  try {
    await sink.onVerdict(verdict('continue', 1), undefined, record); // continue is not announced
    await sink.onVerdict(verdict('rollback', 2), verdict('continue', 1), record);
    await sink.onVerdict(verdict('rollback', 3), verdict('rollback', 2), record); // unchanged
    await sink.onVerdict(verdict('promote', 4), verdict('rollback', 3), record);
    await sink.drain();
    assert.equal(hook.received.length, 2);
    assert.equal(hook.received[0].url, '/services/T000/B000/s3cr3t');
    const [first, second] = hook.received.map((r) => JSON.parse(r.body.toString()) as ChatMessage);
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
    assert.match(second.text, /promote \(was rollback\)/);
    const records = await store.listActions({ releaseId: record.release.id });
    assert.deepEqual(
      records.map((r) => [r.kind, r.state, r.decision]),
      [
        ['chat', 'succeeded', 'rollback'],
        ['chat', 'succeeded', 'promote'],
      ],
    );
    const everything = JSON.stringify([records, await store.listAudit({ releaseId: record.release.id })]);
    assert.equal(everything.includes('s3cr3t'), false, 'the webhook secret is never recorded');
    assert.equal(records[0].target, `${hook.url}/services/…`);
  } finally {
    await hook.close();
    await store.close();
  }
});

test('reasons are escaped: a reason cannot inject a link or a mention', () => {
  const v = { ...verdict('rollback', 1), reasons: ['<!channel> <https://evil|click> & more'] };
  const text = JSON.stringify(chatMessage(v, undefined, releaseRecord(), LINKS).blocks[2]);
  assert.match(text, /&lt;!channel&gt; &lt;https:\/\/evil\|click&gt; &amp; more/);
});
