/** What serving metrics needs of a registry: prom-client's `Registry` fits. */
export interface MetricsSource {
  readonly contentType: string;
  metrics(): Promise<string>;
}

/** The part of a Koa context these middlewares use (so Koa's types are not required). */
export interface MetricsContext {
  readonly path: string;
  readonly method: string;
  body: unknown;
  set(field: string, value: string): void;
}

export type MetricsMiddleware = (ctx: MetricsContext, next: () => Promise<unknown>) => Promise<unknown>;

/** Options of {@link metricsMiddleware}. */
export interface MetricsMiddlewareOptions {
  /** Path served. Default `/metrics`. */
  readonly path?: string;
}

/** A handler that always answers with the registry's text format: `router.get('/metrics', metricsHandler(registry))`. */
export function metricsHandler(
  source: MetricsSource | { readonly registry: MetricsSource },
): MetricsMiddleware {
  const registry = 'registry' in source ? source.registry : source;
  return async (ctx) => {
    const text = await registry.metrics();
    ctx.set('Content-Type', registry.contentType);
    ctx.body = text;
  };
}

/** Koa middleware answering `GET /metrics` (or `options.path`) for Prometheus; other requests pass on. */
export function metricsMiddleware(
  source: MetricsSource | { readonly registry: MetricsSource },
  options: MetricsMiddlewareOptions = {},
): MetricsMiddleware {
  const path = options.path ?? '/metrics';
  const serve = metricsHandler(source);
  return (ctx, next) => {
    if (ctx.path !== path || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return next();
    return serve(ctx, next);
  };
}
