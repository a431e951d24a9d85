import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { ActionConfigError, buildActions, parseActionsConfig, parseActionsYaml } from './index.ts';

const EXAMPLE = `
retry: { attempts: 5, baseDelay: 250ms, maxDelay: 8s }
webhooks:
  - url: https://deploy-bot.example.com/release-health
    secretEnv: RH_WEBHOOK_SECRET
    timeout: 3s
    on: [rollback, reduce-traffic]
  - urlEnv: RH_CHAT_WEBHOOK_URL
    secretEnv: RH_WEBHOOK_SECRET
traefik:
  file: /etc/traefik/dynamic/odoo.yaml
  service: odoo
grafana:
  url: http://grafana:3000
  apiKeyEnv: RH_GRAFANA_TOKEN
`;

const env = {
  RH_WEBHOOK_SECRET: 's3cr3t-value',
  RH_CHAT_WEBHOOK_URL: 'https://chat.example.com/hooks/T000/B000/XXXXSECRET',
  RH_GRAFANA_TOKEN: 'glsa_xyz',
};

test('the shipped example (actions.example.yaml) parses and builds without any secret in it', async () => {
  const text = await readFile(new URL('./actions.example.yaml', import.meta.url), 'utf8');
  assert.ok(!/^\s*(-\s*)?(secret|apiKey|token|password)\s*:/im.test(text), 'no inline secret key');
  const { actions } = buildActions(parseActionsYaml(text), env);
  assert.deepEqual(
    actions.map((a) => a.kind),
    ['webhook', 'webhook', 'traefik', 'grafana-annotation'],
  );
});

test('the example config parses and builds every action with secrets from the environment', () => {
  const config = parseActionsYaml(EXAMPLE);
  assert.deepEqual(config.retry, { attempts: 5, baseDelay: 250, maxDelay: 8_000 });
  assert.equal(config.webhooks[0].timeout, 3_000);
  const { actions, retry } = buildActions(config, env);
  assert.deepEqual(retry, { attempts: 5, baseDelayMs: 250, maxDelayMs: 8_000 });
  assert.deepEqual(
    actions.map((a) => [a.kind, a.target]),
    [
      ['webhook', 'https://deploy-bot.example.com/release-health'],
      ['webhook', 'https://chat.example.com/…'], // a URL read from the environment is a secret: only its origin is recorded
      ['traefik', '/etc/traefik/dynamic/odoo.yaml'],
      ['grafana-annotation', 'http://grafana:3000/api/annotations'],
    ],
  );
  assert.deepEqual([...actions[0].on], ['rollback', 'reduce-traffic']);
  assert.deepEqual([...actions[2].on], ['reduce-traffic', 'rollback', 'promote']);
  assert.ok(!JSON.stringify(actions).includes('s3cr3t-value'));
});

test('inline secrets, unknown keys, bad decisions and durations are refused, naming the field', () => {
  const bad = (raw: unknown, pattern: RegExp) =>
    assert.throws(
      () => parseActionsConfig(raw),
      (e: unknown) => e instanceof ActionConfigError && pattern.test(e.message),
    );
  bad(
    { webhooks: [{ url: 'https://x.example', secretEnv: 'S', secret: 'inline' }] },
    /webhooks\[0\]\.secret: do not write the secret/,
  );
  bad({ grafana: { url: 'http://g', apiKeyEnv: 'K', apiKey: 'inline' } }, /grafana\.apiKey/);
  bad({ webhooks: [{ url: 'https://x.example', secretEnv: 'S', on: ['rollbak'] }] }, /webhooks\[0\]\.on\[0\]/);
  bad({ webhooks: [{ url: 'ftp://x.example', secretEnv: 'S' }] }, /webhooks\[0\]\.url/);
  bad({ webhooks: [{ secretEnv: 'S' }] }, /exactly one of url and urlEnv/);
  bad({ webhooks: [{ url: 'https://x.example', secretEnv: 'lower-case' }] }, /secretEnv/);
  bad({ retry: { attempts: 100 } }, /retry\.attempts/);
  bad({ retry: { baseDelay: '5 seconds' } }, /retry\.baseDelay/);
  bad({ traefik: { file: '/f', weight: 3 } }, /traefik/);
  bad({ webhook: [] }, /webhook/);
});

test('a missing environment variable is an error naming the variable, never a value', () => {
  const config = parseActionsYaml(EXAMPLE);
  assert.throws(
    () => buildActions(config, { RH_WEBHOOK_SECRET: 's3cr3t-value' }),
    (e: unknown) => {
      const message = (e as Error).message;
      return (
        e instanceof ActionConfigError &&
        /RH_CHAT_WEBHOOK_URL is not set/.test(message) &&
        /RH_GRAFANA_TOKEN is not set/.test(message) &&
        !message.includes('s3cr3t')
      );
    },
  );
  assert.deepEqual(buildActions(parseActionsConfig({}), {}).actions, []);
});
