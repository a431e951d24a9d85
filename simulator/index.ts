/**
 * Public face of simulator/: other rooms import from here, never a file inside.
 * So far: release scenarios for tests and benchmarks (the retail workload and metric endpoints
 * of DESIGN.md come later).
 */
export * from './scenarios/index.ts';
export * from './platform/index.ts';
export * from './odoo/index.ts';
