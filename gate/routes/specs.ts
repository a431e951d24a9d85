/** Stored metric specs (admin writes, readers read) and the effective governance policy. */
import { actorOf, ApiError, readJson, RELEASE_ID, validate } from '../http.ts';
import { specBodySchema } from '../wireFormat.ts';
import type { RouteContext } from './context.ts';

export function specRoutes({ app, deps, clock, logger, requires }: RouteContext): void {
  const { store, governance } = deps;

  const nameParam = (raw: string | undefined): string => {
    const name = raw ?? '';
    if (!RELEASE_ID.test(name))
      throw new ApiError(400, 'invalid spec name', [
        'name: letters, digits and . _ : - only, starting with a letter or digit (max 128)',
      ]);
    return name;
  };

  app.put('/api/v1/specs/:name', requires('admin'), async (c) => {
    const name = nameParam(c.req.param('name'));
    const spec = validate(specBodySchema, await readJson(c), 'spec');
    const existed = (await store.getSpec(name)) !== undefined;
    const now = clock();
    await store.saveSpec(name, spec, actorOf(c));
    await store.appendAudit({
      at: now,
      actor: actorOf(c),
      action: 'spec.save',
      detail: { name, metrics: spec.metrics.length, replaced: existed },
    });
    logger.info({ spec: name, actor: actorOf(c) }, existed ? 'spec replaced' : 'spec stored');
    return c.json({ name, spec }, existed ? 200 : 201);
  });

  app.get('/api/v1/specs', requires('reader'), async (c) => c.json({ specs: await store.listSpecs() }));

  app.get('/api/v1/specs/:name', requires('reader'), async (c) => {
    const name = nameParam(c.req.param('name'));
    const spec = await store.getSpec(name);
    if (spec === undefined) throw new ApiError(404, `spec "${name}" not found`);
    return c.json({ name, spec });
  });

  // Read-only: the policy comes from the governance file the server was started with.
  app.get('/api/v1/governance', requires('reader'), (c) =>
    c.json({
      classes: governance.classes,
      freezes: governance.freezes.map((f) => ({
        ...f,
        from: new Date(f.from).toISOString(),
        to: new Date(f.to).toISOString(),
      })),
    }),
  );
}
