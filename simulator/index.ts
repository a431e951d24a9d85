/**
 * Public face of simulator/: other rooms import from here, never a file inside.
 * Seeded release scenarios for tests and benchmarks (`scenarios/`), the virtual Traefik,
 * postgres_exporter and redis_exporter (`platform/`), and the Odoo-schema retail workload (`odoo/`).
 */
export * from './scenarios/index.ts';
export * from './platform/index.ts';
export * from './odoo/index.ts';
