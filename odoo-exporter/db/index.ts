/** Odoo's database: the table subset (DDL) and the SQL seam; the simulator imports this, so both use the same tables. */
export {
  BASE_TABLES,
  MODULE_TABLES,
  ODOO_MODULES,
  ODOO_VERSIONS,
  createOdooSchema,
  tableDdl,
  type CreateSchemaOptions,
  type OdooModule,
  type OdooVersion,
} from './ddl.ts';
export { fromPg, fromPglite, pgTimestamp, type SqlQuery, type SqlRow } from './query.ts';
