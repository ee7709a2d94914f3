import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The package whose standalone bundle renders the docs page (an optional peer dependency). */
export const RENDERER_PACKAGE = '@asyncapi/react-component';

/** Files of the renderer served under `{path}/assets/`: name → path inside the package, and type. */
const ASSETS: Record<string, { readonly file: string; readonly type: string }> = {
  'asyncapi-react.js': { file: 'browser/standalone/index.js', type: 'text/javascript; charset=utf-8' },
  'asyncapi-react.css': { file: 'styles/default.min.css', type: 'text/css; charset=utf-8' },
};

export interface RendererAsset {
  readonly body: Buffer;
  readonly type: string;
}

/**
 * Reads the renderer's files from the installed package, once; `undefined` when the package is
 * not installed (the page then falls back to the built-in renderer). Nothing is fetched.
 */
export class RendererAssets {
  private root: string | undefined | null = null;
  private readonly cache = new Map<string, Promise<RendererAsset>>();

  /** Whether the package is installed. */
  get available(): boolean {
    return this.packageRoot() !== undefined;
  }

  get names(): readonly string[] {
    return Object.keys(ASSETS);
  }

  get(name: string): Promise<RendererAsset> | undefined {
    const asset = ASSETS[name];
    const root = this.packageRoot();
    if (!asset || root === undefined) return undefined;
    let loaded = this.cache.get(name);
    if (!loaded) {
      loaded = readFile(join(root, asset.file)).then((body) => ({ body, type: asset.type }));
      loaded.catch(() => this.cache.delete(name));
      this.cache.set(name, loaded);
    }
    return loaded;
  }

  private packageRoot(): string | undefined {
    if (this.root === null) {
      try {
        const require = createRequire(import.meta.url);
        this.root = dirname(require.resolve(`${RENDERER_PACKAGE}/package.json`));
      } catch {
        this.root = undefined;
      }
    }
    return this.root;
  }
}
