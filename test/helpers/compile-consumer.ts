import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const root = join(import.meta.dirname, '..', '..', '..');

/**
 * Compiles `test/fixtures/<fixture>` as a user's file that imports `koa-mqtt` by name. It is
 * written inside the package, so `koa-mqtt` resolves to this package's own exports (dist/).
 * Returns the diagnostics as `file:line message` (none when the published types fit) and the
 * files the program read.
 */
export function compileConsumer(
  fixture: string,
  options: ts.CompilerOptions = {},
): { diagnostics: string[]; files: string[] } {
  if (!existsSync(join(root, 'dist', 'index.d.ts'))) throw new Error('dist/ is missing: run npm run build');
  const dir = join(root, '.build', 'consumers', fixture.replace(/\W+/g, '-'));
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'consumer.ts');
  writeFileSync(file, readFileSync(join(root, 'test', 'fixtures', fixture)));
  const program = ts.createProgram([file], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    esModuleInterop: true,
    skipLibCheck: true,
    types: ['node'],
    noEmit: true,
    ...options,
  });
  const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file
      ? `${d.file.fileName}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}`
      : '';
    return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
  return { diagnostics, files: program.getSourceFiles().map((f) => f.fileName) };
}
