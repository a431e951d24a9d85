/** The JSON-RPC way in (hosted Odoo, no database access). */
export {
  createJsonRpcClient,
  odooDatetime,
  parseOdooDatetime,
  OdooRpcError,
  type Domain,
  type JsonRpcClient,
  type JsonRpcClientOptions,
} from './client.ts';
export { createJsonRpcReader, type JsonRpcReaderOptions } from './reader.ts';
