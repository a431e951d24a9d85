/**
 * `npm run bench [-- name ...]`: runs the named benchmarks (default: `DEFAULT` below, the ones that need no
 * service and finish in seconds;
 * `-- --quick` shortens each). Each prints its figures, then this prints one JSON line
 * `{"bench":{...}}` with every figure, for tracking over time. Benchmarks measure; nothing asserts.
 */
const BENCHES: Record<string, () => Promise<{ run: (o: { quick: boolean }) => Promise<Record<string, unknown>> }>> = {
  judge: () => import('./judge.ts'),
  analyze: () => import('./analyze.ts'),
  engine: () => import('./engine.ts'),
  evalue: () => import('./evalue.ts'),
  detection: () => import('./detection.ts'),
  textparse: () => import('./textparse.ts'),
  collector: () => import('./collector.ts'),
  traefik: () => import('./traefik.ts'),
  // these need the services of scripts/services (PostgreSQL, Kafka): run on demand
  store: () => import('./store.ts'),
  kafka: () => import('./kafka.ts'),
  'odoo-exporter': () => import('./odooExporter.ts'),
  'kafka-workers': () => import('./kafkaWorkers.ts'),
  gate: () => import('./gate.ts'),
  scale: () => import('./scale.ts'),
  startup: () => import('./startup.ts'),
  // needs `npm run build` first: the CLI's start time from dist/ and from the sources (tsx)
  start: () => import('./start.ts'),
  'store-integrity': () => import('./storeIntegrity.ts'),
};
const DEFAULT = ['judge', 'analyze', 'engine', 'evalue', 'textparse'];

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const names = args.filter((a) => !a.startsWith('--'));
const selected = names.length > 0 ? names : DEFAULT;
for (const name of selected) {
  if (!BENCHES[name]) {
    console.error(`unknown benchmark "${name}"; known: ${Object.keys(BENCHES).join(', ')}`);
    process.exit(1);
  }
}
const figures: Record<string, unknown> = { node: process.version, quick };
for (const name of selected) {
  console.log(`\n=== ${name}`);
  const bench = await BENCHES[name]();
  figures[name] = await bench.run({ quick });
}
console.log(JSON.stringify({ bench: figures }));
