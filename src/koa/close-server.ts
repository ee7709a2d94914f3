import type { Server } from 'node:http';

/**
 * Closes an HTTP server: no new connections, idle keep-alive ones closed, requests in flight
 * allowed `timeoutMs` to finish before their connections are cut. Resolves once closed.
 */
export function closeServer(server: Server, timeoutMs: number): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), timeoutMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}
