/**
 * A small kustomize for the tests: renders `deploy/kubernetes/overlays/<env>` without a
 * cluster, a network or the kustomize binary (CI has none of them; the test cross-checks this
 * against `kubectl kustomize` where kubectl is installed).
 *
 * Supported `kustomization.yaml` fields — exactly the ones our overlays use; any other field is
 * an error rather than silently ignored:
 *  - `resources`: files, or folders holding a kustomization.yaml (rendered recursively);
 *  - `namespace`: set on every object (all our objects are namespaced);
 *  - `images`: `name` → `newName` / `newTag` on every container image of that name;
 *  - `patches`: `path` to a strategic-merge patch, matched by apiVersion, kind and name.
 *
 * Strategic merge, reduced to what Kubernetes' patch strategy says for the fields we patch:
 * maps merge recursively; `null` deletes a key; lists of objects merge by their merge key
 * (containers/volumes/env by `name`, volumeMounts by `mountPath`, container ports by
 * `containerPort`) — the patch's items first, then the base's others, as kustomize orders them;
 * every other list is replaced whole. `$patch` directives are not supported.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [key: string]: unknown };
  [key: string]: unknown;
};

export class RenderError extends Error {
  override readonly name = 'RenderError';
}

const KNOWN_FIELDS = new Set(['apiVersion', 'kind', 'resources', 'namespace', 'images', 'patches']);

/** Every YAML document of a file (empty documents skipped); throws RenderError on a YAML error. */
export function readYamlDocuments(file: string): unknown[] {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'));
  const out: unknown[] = [];
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    if (doc.errors.length > 0) throw new RenderError(`${file}: ${doc.errors[0].message}`);
    const value: unknown = doc.toJS();
    if (value !== null && value !== undefined) out.push(value);
  }
  return out;
}

function asObject(value: unknown, where: string): KubeObject {
  const o = value as Partial<KubeObject> | null;
  if (
    !o ||
    typeof o !== 'object' ||
    typeof o.apiVersion !== 'string' ||
    typeof o.kind !== 'string' ||
    typeof o.metadata?.name !== 'string'
  ) {
    throw new RenderError(`${where}: not a Kubernetes object (apiVersion, kind and metadata.name are required)`);
  }
  return o as KubeObject;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function mergeKey(field: string, items: unknown[]): string | undefined {
  if (field === 'volumeMounts') return 'mountPath';
  if (field === 'ports') return items.some((i) => isPlainObject(i) && 'containerPort' in i) ? 'containerPort' : 'port';
  if (['containers', 'initContainers', 'volumes', 'env', 'imagePullSecrets'].includes(field)) return 'name';
  return undefined;
}

/** Strategic-merge `patch` into `base` (see the file comment for the rules); returns a new value. */
export function strategicMerge(base: unknown, patch: unknown, field = ''): unknown {
  if (Array.isArray(patch)) {
    const key = mergeKey(field, patch);
    if (!key || !Array.isArray(base)) return structuredClone(patch);
    // kustomize's order: the patch's items first (merged into their base item), then the base
    // items the patch does not name, each group in its own order
    const named = new Set(patch.map((item) => (isPlainObject(item) ? item[key] : undefined)));
    const merged = patch.map((item) => {
      const match = isPlainObject(item) ? base.find((o) => isPlainObject(o) && o[key] === item[key]) : undefined;
      return match === undefined ? structuredClone(item) : strategicMerge(match, item, '');
    });
    const rest = base.filter((o) => !(isPlainObject(o) && named.has(o[key]))).map((o) => structuredClone(o) as unknown);
    return [...merged, ...rest];
  }
  if (!isPlainObject(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isPlainObject(base) ? structuredClone(base) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = strategicMerge(out[k], v, k);
  }
  return out;
}

interface ImageRule {
  name: string;
  newName?: string;
  newTag?: string;
}

function setImages(object: KubeObject, images: ImageRule[]): void {
  const spec = (
    object.spec as
      { template?: { spec?: { containers?: { image?: string }[]; initContainers?: { image?: string }[] } } } | undefined
  )?.template?.spec;
  for (const c of [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])]) {
    if (!c.image) continue;
    // name[:tag] — a registry port (host:5000/x) has a slash after its colon, a tag has none
    const m = /^(.*?)(?::([^:/]+))?$/.exec(c.image);
    const [name, tag] = m ? [m[1], m[2]] : [c.image, undefined];
    const rule = images.find((r) => r.name === name);
    if (!rule) continue;
    const newTag = rule.newTag ?? tag;
    c.image = `${rule.newName ?? name}${newTag ? `:${newTag}` : ''}`;
  }
}

/** Renders the kustomization in `dir` to its list of objects. */
export function renderKustomization(dir: string): KubeObject[] {
  const file = join(dir, 'kustomization.yaml');
  const [k] = readYamlDocuments(file) as Record<string, unknown>[];
  if (!isPlainObject(k)) throw new RenderError(`${file}: empty`);
  for (const key of Object.keys(k))
    if (!KNOWN_FIELDS.has(key)) throw new RenderError(`${file}: field "${key}" is not supported by this renderer`);

  let objects: KubeObject[] = [];
  for (const r of (k.resources as string[] | undefined) ?? []) {
    const path = resolve(dir, r);
    if (statSync(path).isDirectory()) objects.push(...renderKustomization(path));
    else objects.push(...readYamlDocuments(path).map((d, i) => asObject(d, `${path} document ${i + 1}`)));
  }
  for (const p of (k.patches as { path?: string }[] | undefined) ?? []) {
    if (!p.path) throw new RenderError(`${file}: only patches with a path are supported`);
    const patchFile = resolve(dir, p.path);
    for (const doc of readYamlDocuments(patchFile)) {
      const patch = asObject(doc, patchFile);
      const at = objects.findIndex(
        (o) => o.apiVersion === patch.apiVersion && o.kind === patch.kind && o.metadata.name === patch.metadata.name,
      );
      if (at < 0) throw new RenderError(`${patchFile}: no ${patch.kind} ${patch.metadata.name} to patch`);
      objects[at] = strategicMerge(objects[at], patch) as KubeObject;
    }
  }
  const images = (k.images as ImageRule[] | undefined) ?? [];
  if (images.length > 0) for (const o of objects) setImages(o, images);
  if (typeof k.namespace === 'string') {
    const namespace = k.namespace;
    objects = objects.map((o) => ({ ...o, metadata: { ...o.metadata, namespace } }));
  }
  return objects;
}

/** The folder of this file, for the tests and README examples. */
export const KUBERNETES_DIR = dirname(fileURLToPath(import.meta.url));
