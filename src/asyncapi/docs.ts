import { MqttError } from '../errors.js';
import { plainPage, rendererPage } from './docs-page.js';
import { type AsyncApiSource, type MqttAsyncApiOptions, mqttAsyncApi } from './generate.js';
import { RendererAssets } from './renderer-assets.js';
import { toYaml } from './yaml.js';

/** The part of a Koa context `mqttDocs` uses (so Koa's types are not required). */
export interface DocsContext {
  readonly path: string;
  readonly method: string;
  body: unknown;
  status: number;
  set(field: string, value: string): void;
}

export type DocsMiddleware = (ctx: DocsContext, next: () => Promise<unknown>) => Promise<unknown>;

/** Options of {@link mqttDocs}: where to serve, and the document's options. */
export interface MqttDocsOptions extends MqttAsyncApiOptions {
  /**
   * The page's path. Default `/asyncapi`: the page there, the document at `/asyncapi.json` and
   * `/asyncapi.yaml`, the renderer's files under `/asyncapi/assets/`.
   */
  readonly path?: string;
  /** `false`: the built-in plain page even when `@asyncapi/react-component` is installed. */
  readonly renderer?: boolean;
}

/**
 * Koa middleware serving the app's AsyncAPI document (JSON and YAML) and an HTML page that
 * renders it, offline: the renderer's files come from the installed `@asyncapi/react-component`
 * (an optional peer dependency), or a plain built-in page when it is missing. The document is
 * generated when asked for, so declared publishers added later appear; other requests pass on.
 */
export function mqttDocs(source: AsyncApiSource, options: MqttDocsOptions = {}): DocsMiddleware {
  const { path: given = '/asyncapi', renderer = true, ...documentOptions } = options;
  const path = given.replace(/\/+$/, '') || '/asyncapi';
  if (!path.startsWith('/'))
    throw new MqttError(
      `mqttDocs: path must start with "/", got ${JSON.stringify(given)}`,
      'ERR_MQTT_OPTIONS',
    );
  const assets = new RendererAssets();
  const assetsPath = `${path}/assets`;
  const document = () => mqttAsyncApi(source, documentOptions);
  return async (ctx, next) => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    if (ctx.path === `${path}.json`) {
      ctx.set('Content-Type', 'application/json; charset=utf-8');
      ctx.body = JSON.stringify(document(), null, 2);
      return;
    }
    if (ctx.path === `${path}.yaml`) {
      ctx.set('Content-Type', 'application/yaml; charset=utf-8');
      ctx.body = toYaml(document());
      return;
    }
    if (ctx.path === path || ctx.path === `${path}/`) {
      ctx.set('Content-Type', 'text/html; charset=utf-8');
      ctx.body =
        renderer && assets.available
          ? rendererPage(document(), assetsPath)
          : plainPage(document(), `${path}.json`);
      return;
    }
    if (ctx.path.startsWith(`${assetsPath}/`)) {
      const asset = assets.get(ctx.path.slice(assetsPath.length + 1));
      if (!asset) return next();
      const { body, type } = await asset;
      ctx.set('Content-Type', type);
      ctx.set('Cache-Control', 'public, max-age=3600');
      ctx.body = body;
      return;
    }
    return next();
  };
}
