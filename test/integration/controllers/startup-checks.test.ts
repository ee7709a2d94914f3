import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import ts from 'typescript';
import {
  createMqttApp,
  type MqttApp,
  MqttController,
  MqttDefinitionError,
  type MqttLogger,
  PayloadValidationError,
  silentLogger,
  Topic,
} from '../../../src/index.js';
import { repeatsPrefix } from '../../../src/metadata/definitions.js';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../../src/testing/index.js';
import { waitFor } from '../../helpers/wait.js';

const root = join(import.meta.dirname, '..', '..', '..', '..');

/** A logger that keeps its warnings. */
function recordingLogger(): MqttLogger & { warnings: Array<{ obj: object; msg: string | undefined }> } {
  const warnings: Array<{ obj: object; msg: string | undefined }> = [];
  return { ...silentLogger, warn: (obj, msg) => warnings.push({ obj, msg }), warnings };
}

/**
 * Compiles test/fixtures/no-metadata-controllers.ts.txt with tsc's API the way tsx, esbuild or a
 * tsconfig without `emitDecoratorMetadata` would (decorators, no metadata), beside the compiled
 * tests, so that it imports the same compiled library (and registry) as this test.
 */
async function compileWithoutMetadata(): Promise<{ js: string; module: Record<string, unknown> }> {
  const dir = join(root, '.build', 'test', 'no-metadata');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'controllers.ts');
  writeFileSync(file, readFileSync(join(root, 'test', 'fixtures', 'no-metadata-controllers.ts.txt')));
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    experimentalDecorators: true,
    emitDecoratorMetadata: false,
    useDefineForClassFields: false,
    esModuleInterop: true,
    skipLibCheck: true,
    types: ['node'],
    // `../../src/index.js` is .build/src at run time and src/ (the sources) for the type check.
    rootDirs: [root, join(root, '.build')],
  };
  const host = ts.createCompilerHost(options);
  const built = join(root, '.build', 'src');
  const fileExists = host.fileExists.bind(host);
  // Hide the compiled library from the type check, so that rootDirs leads it to the sources.
  host.fileExists = (name) => !name.startsWith(built) && fileExists(name);
  const program = ts.createProgram([file], options, host);
  const source = program.getSourceFile(file)!;
  const diagnostics = ts
    .getPreEmitDiagnostics(program, source)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  assert.deepEqual(diagnostics, []);
  const result = program.emit(source);
  assert.equal(result.emitSkipped, false);
  const jsFile = join(dir, 'controllers.js');
  return { js: readFileSync(jsFile, 'utf8'), module: (await import(jsFile)) as Record<string, unknown> };
}

describe('startup checks', () => {
  let broker: EmbeddedBroker;
  const apps: MqttApp[] = [];
  before(async () => {
    broker = await startEmbeddedBroker();
  });
  after(async () => {
    await Promise.all(apps.map((app) => app.stop()));
    await broker.close();
  });
  const create = (options: Parameters<typeof createMqttApp>[0]) => {
    const app = createMqttApp({ url: broker.url, logger: silentLogger, ...options });
    apps.push(app);
    return app;
  };

  describe('a handler parameter whose type cannot be known (no decorator metadata)', () => {
    let fixture: { js: string; module: Record<string, unknown> };
    before(async () => {
      fixture = await compileWithoutMetadata();
    });

    it('the fixture really was compiled without design:paramtypes', () => {
      assert.match(fixture.js, /__decorate\(/);
      assert.doesNotMatch(fixture.js, /design:paramtypes/);
    });

    it('is a MqttDefinitionError naming the handler and the missing compiler options', () => {
      const controller = fixture.module.ImplicitController as new () => object;
      assert.throws(
        () => create({ controllers: [controller] }),
        (error: unknown) => {
          assert.ok(error instanceof MqttDefinitionError, String(error));
          assert.match(
            error.message,
            /^ImplicitController\.temperature: the type of its @Payload\(\) parameter 1 is unknown/,
          );
          assert.match(error.message, /"emitDecoratorMetadata": true/);
          assert.match(error.message, /"experimentalDecorators": true/);
          assert.match(error.message, /@Payload\(\{ type: MyDto \}\)/);
          return true;
        },
      );
    });

    it('@Payload({ type }) decodes and validates the DTO without metadata', async () => {
      const controller = fixture.module.ExplicitController as new () => object;
      const received = fixture.module.received as Array<{ id: string; body: object }>;
      const errors: Error[] = [];
      const app = create({ controllers: [controller], onError: (error) => void errors.push(error) });
      await app.start();
      await app.service.publish('typed/s1/temperature', { celsius: 'hot' }, { qos: 1 });
      await app.service.publish('typed/s1/temperature', { celsius: 21.5 }, { qos: 1 });
      await waitFor(() => received.length === 1 && errors.length === 1, {
        timeout: 5000,
        message: 'one reading handled and one refused',
      });
      assert.equal(received[0]!.id, 's1');
      assert.equal(received[0]!.body.constructor, fixture.module.Reading);
      assert.deepEqual({ ...received[0]!.body }, { celsius: 21.5 });
      assert.ok(errors[0] instanceof PayloadValidationError, String(errors[0]));
      assert.match(errors[0].message, /celsius/);
    });
  });

  describe('a controller whose constructor takes parameters', () => {
    class Store {
      readonly values = new Map<string, string>();
    }
    @MqttController('store')
    class NeedsStore {
      constructor(private readonly store: Store) {}
      @Topic('+key')
      put(): void {
        this.store.values.set('seen', 'yes');
      }
    }

    it('is refused at start() without a container, naming the class', async () => {
      const app = create({ controllers: [NeedsStore] });
      await assert.rejects(app.start(), (error: unknown) => {
        assert.ok(error instanceof MqttDefinitionError, String(error));
        assert.match(
          error.message,
          /^Cannot create controller NeedsStore: its constructor takes 1 parameter\(s\) and no container was given/,
        );
        return true;
      });
      assert.equal(app.running, false);
    });

    it('starts with a container that makes it', async () => {
      const store = new Store();
      const app = create({
        controllers: [NeedsStore],
        container: {
          get: <T>(cls: new (...args: never[]) => T) => new (cls as unknown as new (s: Store) => T)(store),
        },
      });
      await app.start();
      assert.equal(app.running, true);
    });
  });

  describe('a pattern that repeats its controller prefix', () => {
    @MqttController('sensors')
    class Repeats {
      @Topic('sensors/+deviceId/#')
      all(): void {}
      @Topic('+deviceId/temperature')
      temperature(): void {}
    }

    it('is warned at bootstrap, naming the controller, method and resulting filter', () => {
      const logger = recordingLogger();
      create({ controllers: [Repeats], logger });
      assert.equal(logger.warnings.length, 1);
      const [warning] = logger.warnings;
      assert.deepEqual(warning!.obj, {
        controller: 'Repeats',
        handler: 'Repeats.all',
        filter: 'sensors/sensors/+/#',
      });
      assert.match(
        warning!.msg!,
        /Repeats\.all: its @Topic pattern repeats the prefix .*"sensors\/sensors\/\+deviceId\/#"/,
      );
    });

    it('is told apart from a pattern that merely starts alike', () => {
      assert.equal(repeatsPrefix('sensors', 'sensors/+id/#'), true);
      assert.equal(repeatsPrefix('sensors/', '/sensors/x'), true);
      assert.equal(repeatsPrefix('a/b', 'a/b'), true);
      assert.equal(repeatsPrefix('$share/g/sensors', 'sensors/x'), true);
      assert.equal(repeatsPrefix('sensors', 'sensorsx/+'), false);
      assert.equal(repeatsPrefix('sensors', '+id/sensors'), false);
      assert.equal(repeatsPrefix('', 'sensors'), false);
      assert.equal(repeatsPrefix('a/b', 'a/c'), false);
    });
  });

  describe('a client id longer than 23 bytes', () => {
    it('is warned on MQTT 3.1.1, where brokers need accept only 23', async () => {
      const logger = recordingLogger();
      const clientId = `validation-${'x'.repeat(20)}`;
      const app = create({ clientId, logger });
      await app.start();
      assert.equal(app.connection.protocolVersion, 4, 'aedes speaks 3.1.1');
      assert.deepEqual(
        logger.warnings.map((w) => w.obj),
        [{ clientId, bytes: 31 }],
      );
      assert.match(logger.warnings[0]!.msg!, /31 bytes; MQTT 3\.1\.1 brokers must accept only up to 23/);
    });

    it('is not warned at 23 bytes', async () => {
      const logger = recordingLogger();
      const app = create({ clientId: 'c'.repeat(23), logger });
      await app.start();
      assert.deepEqual(logger.warnings, []);
    });
  });
});
