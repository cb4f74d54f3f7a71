// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Folders whose code must stay pure: no I/O, timers, clocks or randomness.
// Time, randomness and I/O come in as arguments, so a seeded simulator can replay them.
const pureFolders = [
  'src/shared/**/*.ts',
  'src/node/proto/**/*.ts',
  'src/node/tree/**/*.ts',
  'src/node/txn/**/*.ts',
  'src/node/session/**/*.ts',
  'src/node/watch/**/*.ts',
  'src/node/quorum/**/*.ts',
  'src/operator/specs/**/*.ts',
  'src/operator/plan/**/*.ts',
  'src/operator/api/**/*.ts',
];

const impureModules = [
  'fs',
  'net',
  'http',
  'https',
  'dgram',
  'child_process',
  'worker_threads',
  'timers',
  'dns',
  'os',
  'cluster',
  'tls',
  'crypto',
  'fs/promises',
  'timers/promises',
  'dns/promises',
].flatMap((m) => [m, `node:${m}`]);

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.cache/**', 'bin/**', 'helm/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: pureFolders,
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...impureModules.map((name) => ({
              name,
              message: 'PURE folder: I/O comes in as an argument.',
            })),
            { name: '@kubernetes/client-node', message: 'PURE folder: no Kubernetes client.' },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'setTimeout', message: 'PURE folder: time comes in as an argument.' },
        { name: 'setInterval', message: 'PURE folder: time comes in as an argument.' },
        { name: 'setImmediate', message: 'PURE folder: time comes in as an argument.' },
        { name: 'queueMicrotask', message: 'PURE folder: scheduling belongs to the shell.' },
        { name: 'fetch', message: 'PURE folder: I/O comes in as an argument.' },
        { name: 'performance', message: 'PURE folder: time comes in as an argument.' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'PURE folder: time comes in as an argument.' },
        {
          object: 'Math',
          property: 'random',
          message: 'PURE folder: randomness comes in as an argument.',
        },
        {
          object: 'process',
          property: 'hrtime',
          message: 'PURE folder: time comes in as an argument.',
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'PURE folder: time comes in as an argument.',
        },
      ],
    },
  },
);
