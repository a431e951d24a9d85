/**
 * Offline schema validation of the manifests (no cluster, no schema download):
 *  - core, apps and policy objects with `kubernetes-models` (the Kubernetes OpenAPI schemas);
 *  - Argo Rollouts with `@kubernetes-models/argo-rollouts`, ServiceMonitor with
 *    `@kubernetes-models/prometheus-operator`, TraefikService with `@kubernetes-models/traefik`;
 *  - Flagger's Canary and MetricTemplate with ajv, from the openAPIV3Schema of the CRDs in
 *    `crds/` — no npm package carries them.
 *
 * The `kubernetes-models` validators check types, enums and required fields but let unknown
 * fields through; the CRD validator below rejects them, as the API server's strict field
 * validation (`kubectl apply --validate=strict`) does.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { AnalysisTemplate } from '@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/AnalysisTemplate';
import { Rollout } from '@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/Rollout';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { TraefikService } from '@kubernetes-models/traefik/traefik.io/v1alpha1/TraefikService';
import { readYamlDocuments, type KubeObject } from '../render.ts';

type Model = new (data: never) => { validate(): void };

const MODELS: Record<string, Model> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'argoproj.io/v1alpha1/AnalysisTemplate': AnalysisTemplate,
  'argoproj.io/v1alpha1/Rollout': Rollout,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
  'traefik.io/v1alpha1/TraefikService': TraefikService,
};

type Schema = Record<string, unknown>;
const isSchema = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A CRD's structural schema as a JSON Schema ajv can run: Kubernetes' `x-kubernetes-*`
 * extensions become plain keywords (int-or-string → anyOf) or are dropped, and an object that
 * lists its properties (without additionalProperties or preserve-unknown-fields) closes
 * itself, which is what strict field validation means.
 */
export function structuralToAjv(schema: Schema): Schema {
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key.startsWith('x-kubernetes-')) continue;
    if (key === 'properties' && isSchema(value)) {
      out.properties = Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, isSchema(v) ? structuralToAjv(v) : v]),
      );
    } else if (['items', 'additionalProperties', 'not'].includes(key) && isSchema(value)) {
      out[key] = structuralToAjv(value);
    } else if (['oneOf', 'anyOf', 'allOf'].includes(key) && Array.isArray(value)) {
      out[key] = value.map((v: unknown) => (isSchema(v) ? structuralToAjv(v) : v));
    } else out[key] = value;
  }
  if (schema['x-kubernetes-int-or-string'] === true) {
    delete out.type;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  if (
    out.properties &&
    out.additionalProperties === undefined &&
    schema['x-kubernetes-preserve-unknown-fields'] !== true
  ) {
    out.additionalProperties = false;
  }
  return out;
}

interface Crd {
  spec: { group: string; names: { kind: string }; versions: { name: string; schema?: { openAPIV3Schema?: Schema } }[] };
}

/**
 * Validators for every kind of the CRDs in `dir`, keyed `group/version/Kind`. A vendored
 * upstream file (`flagger.yaml`) wins over the hand-written subset for the kinds it defines.
 */
export function crdValidators(dir: string): Map<string, ValidateFunction> {
  // formats (Flagger's `url`, `string`, `int32`) are not checked: the API server ignores unknown ones too
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort((a, b) => Number(b === 'flagger.yaml') - Number(a === 'flagger.yaml'));
  const out = new Map<string, ValidateFunction>();
  for (const file of files) {
    for (const doc of readYamlDocuments(join(dir, file)) as Crd[]) {
      for (const version of doc.spec.versions) {
        const key = `${doc.spec.group}/${version.name}/${doc.spec.names.kind}`;
        const schema = version.schema?.openAPIV3Schema;
        if (!schema || out.has(key)) continue;
        out.set(key, ajv.compile(structuralToAjv(schema)));
      }
    }
  }
  return out;
}

/** Validates objects by apiVersion/kind; returns a message per problem (empty: valid). */
export function makeValidator(crdDir: string): (object: KubeObject) => string[] {
  const crds = crdValidators(crdDir);
  return (object) => {
    const key = `${object.apiVersion}/${object.kind}`;
    const where = `${object.kind} ${object.metadata?.name ?? '?'}`;
    const model = MODELS[key];
    if (model) {
      try {
        new model(object as never).validate();
        return [];
      } catch (error) {
        return [`${where}: ${(error as Error).message}`];
      }
    }
    const crd = crds.get(key);
    if (!crd) return [`${where}: no schema for ${key}`];
    if (crd(object)) return [];
    return (crd.errors ?? []).map(
      (e) =>
        `${where}: ${e.instancePath || '/'} ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`,
    );
  };
}
