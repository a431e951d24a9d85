/**
 * Test helper: a real HTTP server on 127.0.0.1 (port 0) whose answer the test changes between
 * scrapes — body, status, content type, or a mode that hangs or streams without end.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ServedState {
  body: string;
  status: number;
  contentType: string;
  /** 'hang': headers never sent; 'endless': 200 then 1 KiB chunks forever, no Content-Length */
  mode: 'normal' | 'hang' | 'endless';
  /** requests seen, with their Accept header */
  requests: { accept: string | undefined }[];
  /** called before each answer, with the number of requests so far (1 for the first) */
  onRequest?: (n: number) => void;
}

export interface MetricsServer {
  url: string;
  state: ServedState;
  close(): Promise<void>;
}

export async function startMetricsServer(body = ''): Promise<MetricsServer> {
  const state: ServedState = {
    body,
    status: 200,
    contentType: 'text/plain; version=0.0.4; charset=utf-8',
    mode: 'normal',
    requests: [],
  };
  const timers = new Set<ReturnType<typeof setInterval>>();
  const server: Server = createServer((req, res) => {
    state.requests.push({ accept: req.headers.accept });
    state.onRequest?.(state.requests.length);
    if (state.mode === 'hang') return;
    if (state.mode === 'endless') {
      res.writeHead(200, { 'content-type': state.contentType });
      const chunk = `# ${'x'.repeat(1021)}\n`;
      const timer = setInterval(() => res.write(chunk), 1);
      timers.add(timer);
      res.on('close', () => {
        clearInterval(timer);
        timers.delete(timer);
      });
      return;
    }
    res.writeHead(state.status, { 'content-type': state.contentType, 'content-length': Buffer.byteLength(state.body) });
    res.end(state.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/metrics`,
    state,
    async close() {
      for (const t of timers) clearInterval(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
