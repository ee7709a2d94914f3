// The layers of src/, bottom to top: a file may import from its own layer or from a lower one,
// never from a higher one, and no import may close a cycle. `npm run lint` runs this check.
// docs/architecture.md explains each layer.
const LAYERS = [
  ['errors.ts', 'logger.ts', 'optional-import.ts'],
  ['topic'],
  ['metadata'],
  ['decorators'],
  ['client'],
  ['payload'],
  ['dispatch'],
  ['service'],
  ['app'],
  ['koa', 'metrics', 'testing', 'asyncapi', 'otel'],
  ['index.ts'],
];

const literal = (name) => name.replace(/[.]/g, '\\.');
const pathOf = (names) =>
  `^src/(${names.map((n) => (n.endsWith('.ts') ? `${literal(n)}$` : `${literal(n)}/`)).join('|')})`;

const upward = LAYERS.slice(0, -1).map((layer, index) => ({
  name: `layer-${layer.join('+').replace(/\.ts/g, '')}`,
  comment: `src/${layer.join(', src/')} may not import from a higher layer`,
  severity: 'error',
  from: { path: pathOf(layer) },
  to: { path: pathOf(LAYERS.slice(index + 1).flat()) },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'An import cycle hides which module stands on which.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    ...upward,
    {
      name: 'src-not-to-tests',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench|example-app)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^src/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
