/**
 * The gate as every role serves it: on the config's listen address, with its anonymous-read
 * switch, the scorecard page read from the same store, and its close put first in the role's
 * shutdown order (stop answering before the parts behind the answers go).
 */
import { startGate, type GateDeps, type RunningGate } from '../gate/index.ts';
import type { ServeConfig } from './config.ts';
import { scorecardPageOf } from './scorecardPage.ts';

export type ServedGateDeps = Omit<GateDeps, 'scorecardPage' | 'allowAnonymousRead' | 'clock'> & {
  clock: () => number;
};

export async function serveGate(
  config: ServeConfig,
  deps: ServedGateDeps,
  opened: { close(): Promise<void> }[],
): Promise<RunningGate> {
  const gate = await startGate(
    {
      ...deps,
      scorecardPage: scorecardPageOf(deps.store, deps.clock),
      allowAnonymousRead: config.auth.allowAnonymousRead,
    },
    { host: config.listen.host, port: config.listen.port },
  );
  opened.unshift({ close: () => gate.close() });
  return gate;
}
