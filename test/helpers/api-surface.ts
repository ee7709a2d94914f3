import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const ENTRIES = ['index', 'testing/index', 'metrics/index'];
/** The committed surface that `npm test` compares the built declarations with. */
export const SNAPSHOT = join(ROOT, 'test', 'fixtures', 'public-api.txt');

/**
 * The public surface of the built package, one line per export of each entry point of
 * `dist/`: its name and its type (for classes and interfaces, every member with its type).
 * Compiler-internal symbol ids are blanked so the text only changes when the API does.
 */
export function publicApi(): string {
  const files = ENTRIES.map((entry) => join(ROOT, 'dist', `${entry}.d.ts`));
  const program = ts.createProgram(files, { strict: true, skipLibCheck: true });
  const checker = program.getTypeChecker();
  const lines: string[] = [];
  for (const [i, file] of files.entries()) {
    const source = program.getSourceFile(file);
    const module = source && checker.getSymbolAtLocation(source);
    if (!module) throw new Error(`${file} is missing: run npm run build`);
    for (const exported of checker.getExportsOfModule(module)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      lines.push(`${ENTRIES[i]} ${exported.name}: ${describe(checker, symbol)}`);
    }
  }
  return `${lines
    .sort()
    .join('\n')
    .replace(/__@(\w+)@\d+/g, '__@$1')}\n`;
}

function describe(checker: ts.TypeChecker, symbol: ts.Symbol): string {
  const declaration = symbol.declarations?.[0];
  if (!declaration) return '';
  if (symbol.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Interface)) {
    const type = checker.getDeclaredTypeOfSymbol(symbol);
    return checker
      .getPropertiesOfType(type)
      .map((p) => `${p.name}: ${checker.typeToString(checker.getTypeOfSymbolAtLocation(p, declaration))}`)
      .sort()
      .join('; ');
  }
  if (symbol.flags & ts.SymbolFlags.TypeAlias) {
    return checker.typeToString(checker.getDeclaredTypeOfSymbol(symbol));
  }
  return checker.typeToString(checker.getTypeOfSymbolAtLocation(symbol, declaration));
}

// `npm run api:update`: writes the current surface as the new snapshot (an intended API change).
if (process.argv.includes('--write')) {
  writeFileSync(SNAPSHOT, publicApi());
  console.log(`wrote ${SNAPSHOT}`);
}

export function snapshot(): string {
  return readFileSync(SNAPSHOT, 'utf8');
}
