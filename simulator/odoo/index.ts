/** The Odoo-schema retail simulator (business rows for the odoo-exporter, demos and benchmarks). */
export { createOdooSimulation, type OdooSimulation } from './sim.ts';
export {
  OdooSimOptionsError,
  validateOdooSimOptions,
  type OdooRegressions,
  type OdooRelease,
  type OdooSimOptions,
  type OdooTenantSpec,
} from './options.ts';
export { SIM_CHANNELS, SIM_CRONS } from './tenant.ts';
export { diurnal, trafficAt, type Promotion } from './shape.ts';
export { OdooWriter } from './writer.ts';
