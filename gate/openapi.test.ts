/**
 * The OpenAPI document is generated from the validating schemas; here: it is a well-formed 3.1
 * document, every component compiles as JSON Schema 2020-12 (ajv), every example validates against
 * its component AND against the zod schema the route uses, and every path is a route of the app.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { defaultGovernance } from '../analyzer/index.ts';
import type { Store } from '../store/index.ts';
import { createGateApp } from './app.ts';
import { buildOpenApi, COMPONENTS } from './openapi.ts';
import { tokenSet, TOKENS } from './testing/harness.ts';

type Schema = { examples?: unknown[] };
const doc = buildOpenApi() as {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, Schema> };
};

test('OpenAPI 3.1 with a component per wire schema, each compiling as JSON Schema 2020-12', () => {
  assert.equal(doc.openapi, '3.1.0');
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addFormat('date-time', true);
  for (const [name, schema] of Object.entries(doc.components.schemas))
    ajv.addSchema(schema as object, `#/components/schemas/${name}`);
  for (const name of Object.keys(COMPONENTS)) assert.ok(doc.components.schemas[name], name);
  let checked = 0;
  for (const [name, schema] of Object.entries(doc.components.schemas)) {
    for (const example of schema.examples ?? []) {
      const validateJson = ajv.getSchema(`#/components/schemas/${name}`)!;
      assert.ok(validateJson(example), `${name} example vs JSON Schema: ${JSON.stringify(validateJson.errors)}`);
      const zod = COMPONENTS[name as keyof typeof COMPONENTS];
      assert.ok(zod.safeParse(example).success, `${name} example vs zod`);
      checked++;
    }
  }
  assert.ok(checked >= 7, `only ${checked} examples`);
});

test('every documented path is a route of the app (no 404 "no route")', async () => {
  // routing only: a store whose every method answers undefined (handlers may fail; they must exist)
  const store = new Proxy({}, { get: (_, key) => (key === 'kind' ? 'pglite' : async () => undefined) }) as Store;
  const app = createGateApp({ store, governance: defaultGovernance(), tokens: tokenSet() });
  try {
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const method of Object.keys(ops)) {
        const concrete = path.replace('{id}', 'some-release').replace('{name}', 'some-spec');
        const res = await app.request(concrete, {
          method: method.toUpperCase(),
          headers: { authorization: `Bearer ${TOKENS.admin}` },
          body: method === 'get' ? undefined : '{}',
        });
        const body = await res.text();
        assert.doesNotMatch(body, /no route/, `${method.toUpperCase()} ${path}`);
      }
    }
  } finally {
    await app.close();
  }
});
