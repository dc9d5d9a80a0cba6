// Mutation testing of the rules: `npm run test:mutation` (docs/mutation.md).
// The unit project alone (vitest.unit.config.ts): a mutant of a domain or service rule must be caught by
// a test that starts no DynamoDB Local and synthesizes no stack. Static mutants (module-level constants)
// are ignored: each would need a fresh module load per mutant, the slowest kind, and they are few.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.unit.config.ts' },
  coverageAnalysis: 'perTest',
  ignoreStatic: true,
  mutate: ['functions/domain/**/*.ts', 'functions/service/**/*.ts'],
  // What the sandbox copy does not need (node_modules is linked, not copied).
  // A sandbox left by an interrupted run is not copied into the next one.
  ignorePatterns: ['cdk.out', 'cdk.out.*', '.local', 'dist', 'coverage', 'test-results', 'web/dist', 'reports', '.stryker-tmp*'],
  reporters: ['clear-text', 'html', 'json', 'progress'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowEmojis: false, logTests: false, reportTests: false, reportMutants: false, reportScoreTable: true },
  // One test runner by default: the machines this runs on have two cores. Raise it with --concurrency.
  concurrency: 1,
};
