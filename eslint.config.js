// Lint rules: typescript-eslint's type-aware recommended set, plus the house rules that
// catch money and async mistakes (floating promises, unchecked `any`), plus the layer boundaries
// (docs/decisions.md, "Layers and their boundaries"): every import points inward, to the core.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** I/O the core never does itself: files, sockets, processes; adapters do it behind ports. */
const ioModules = [
  'fs',
  'fs/promises',
  'net',
  'http',
  'https',
  'http2',
  'tls',
  'dgram',
  'child_process',
].flatMap((name) => [name, `node:${name}`]);
const frameworks = ['fastify', '@fastify/*', 'pino', 'prom-client', 'better-sqlite3', 'pg'];

const coreIo = ioModules.map((name) => ({
  name,
  message: 'the core does no I/O of its own: put it in an adapter behind a port (payments/ports/).',
}));
/** What the core (the engine, merchants, money, cards, fees, diagnostics, insight, clock, randomness) must not import. */
const outsideTheCore = [
  {
    group: frameworks,
    message: 'the core uses no framework or driver: that belongs to an adapter or a door.',
  },
  {
    group: [
      '**/store/**',
      '**/upstream/**',
      '**/simulated-issuer/**',
      '**/http/**',
      '**/iso-host/**',
      '**/terminal/**',
      '**/cli/**',
      '**/config/**',
      '**/host-keys/**',
      '**/metrics/**',
      '**/audit/**',
      '**/reconciliation/**',
      '**/simulator/**',
      '**/main.js',
    ],
    message:
      'the core imports no adapter, door or composition code: depend on a port in payments/ports/ instead.',
  },
  {
    group: ['**/iso8583/**'],
    message: "the core does not speak a door's wire format: the ISO 8583 codec belongs to the door.",
  },
];

/** What an adapter (store backends, upstream clients, wallets, the simulated issuer and wallet) must not import. */
const outsideAnAdapter = [
  {
    group: [
      '**/http/**',
      '**/iso-host/**',
      '**/cli/**',
      '**/main.js',
      '**/simulator/**',
      '**/reconciliation/**',
    ],
    message: 'an adapter serves the core through a port; it never calls a door or the composition root.',
  },
  {
    regex: '/payments/(?!ports/|payment\\.js$)',
    message:
      'an adapter sees the engine only through its ports (payments/ports/) and records (payments/payment.ts).',
  },
];

/** Tests and their support wire real adapters to the core, as the composition root does. */
const testFiles = ['**/*.test.ts', '**/test-support/**'];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'coverage/', 'bench/out/', '**/*.js', '!eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
      'no-console': 'off',
    },
  },
  {
    files: [
      'src/payments/**/*.ts',
      'src/merchants/**/*.ts',
      'src/money/**/*.ts',
      'src/cards/**/*.ts',
      'src/clock/**/*.ts',
      'src/random/**/*.ts',
      'src/fees/**/*.ts',
      'src/billing/**/*.ts',
      'src/diagnostics/**/*.ts',
      'src/insight/**/*.ts',
      'src/pos-error.ts',
      'src/error-catalogue.ts',
      'src/assert.ts',
    ],
    ignores: testFiles,
    rules: { 'no-restricted-imports': ['error', { paths: coreIo, patterns: outsideTheCore }] },
  },
  {
    // The ports carry records and promises, never the use cases behind them.
    files: ['src/payments/ports/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: coreIo,
          patterns: [
            ...outsideTheCore,
            {
              regex: '^\\.\\./(?!payment\\.js$|\\.\\./)',
              message:
                "a port depends on the engine's records (payments/payment.ts), never on its use cases.",
            },
          ],
        },
      ],
    },
  },
  {
    files: [
      'src/store/**/*.ts',
      'src/upstream/**/*.ts',
      'src/simulated-issuer/**/*.ts',
      'src/wallets/**/*.ts',
      'src/simulated-wallet/**/*.ts',
    ],
    ignores: testFiles,
    rules: { 'no-restricted-imports': ['error', { patterns: outsideAnAdapter }] },
  },
  {
    files: ['eslint.config.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
