/**
 * The one OpenTelemetry setup for the service's own metrics (gate, collector, odoo-exporter): a
 * private `MeterProvider` read by the Prometheus exporter (its HTTP server off: each part serves
 * `/metrics` on its own listener) and the exporter's public `PrometheusSerializer` for the text.
 *
 * Why not `@opentelemetry/sdk-node`: `NodeSDK` registers a global provider, tracing and
 * auto-instrumentation we do not use (and brings grpc-js and protobufjs with an install script);
 * a private provider per part lets several live in one process (the demo, the tests) and keeps
 * each `/metrics` to its own series.
 */
import type { Meter } from '@opentelemetry/api';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { MeterProvider, type ResourceMetrics } from '@opentelemetry/sdk-metrics';

export interface PrometheusExposition {
  readonly meter: Meter;
  /** the current collection, for a caller that adds or filters series before serializing */
  collect(): Promise<ResourceMetrics>;
  /** Prometheus text of `metrics` (default: a fresh collection) */
  text(metrics?: ResourceMetrics): Promise<string>;
  /** shuts the provider down; idempotent */
  shutdown(): Promise<void>;
}

export interface ExpositionOptions {
  /** the instrumentation scope name (`release-health-gate`, …) */
  meterName: string;
  /** write the `target_info` series (resource attributes); default false */
  targetInfo?: boolean;
}

export function createPrometheusExposition({ meterName, targetInfo = false }: ExpositionOptions): PrometheusExposition {
  const exporter = new PrometheusExporter({
    preventServerStart: true,
    withoutScopeInfo: true,
    withoutTargetInfo: !targetInfo,
  });
  const provider = new MeterProvider({ readers: [exporter] });
  // the serializer's constructor is positional; name each argument
  const prefix = '';
  const appendTimestamp = false;
  const withResourceConstantLabels = undefined;
  const withoutTargetInfo = !targetInfo;
  const withoutScopeInfo = true;
  const serializer = new PrometheusSerializer(
    prefix,
    appendTimestamp,
    withResourceConstantLabels,
    withoutTargetInfo,
    withoutScopeInfo,
  );
  const collect = async () => (await exporter.collect()).resourceMetrics;
  let shut: Promise<void> | undefined;
  return {
    meter: provider.getMeter(meterName),
    collect,
    async text(metrics) {
      return serializer.serialize(metrics ?? (await collect()));
    },
    shutdown: () => (shut ??= provider.shutdown()),
  };
}
