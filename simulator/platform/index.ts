/** Public face of simulator/platform: Traefik / postgres_exporter / redis_exporter shaped exposition on a virtual clock. */
export { RECOMMENDED_TRAEFIK_BUCKETS, VirtualTraefik } from './traefik.ts';
export type { ServiceProfile, VirtualTraefikOptions } from './traefik.ts';
export { VirtualPostgresExporter, VirtualRedisExporter } from './datastores.ts';
export type { RedisLoad, TenantLoad } from './datastores.ts';
