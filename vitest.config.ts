import { defineConfig } from 'vitest/config';

// Three kinds of tests: `unit` starts nothing; `infra` synthesizes CDK templates; `integration`
// (DynamoDB Local, the local HTTP server, the CLI) shares one DynamoDB Local started by its global
// setup, each file using its own table so files run in parallel.
export default defineConfig({
  test: {
    // Two files at a time even on a 2-core machine (Vitest's default there is one): most files wait
    // on DynamoDB Local, Chromium or a child process, so two overlap well. What they build and share
    // (the console in web/dist) is built once before (`pretest`), never by two files at once.
    maxWorkers: 2,
    // Unit and infra files share their worker's modules (isolate: false): aws-cdk-lib is loaded, and
    // the synth code compiled, once per worker instead of once per file, which halves their CPU time.
    // Nothing a file stubs may outlive it.
    unstubEnvs: true,
    unstubGlobals: true,
    reporters: ['default', './test/support/summary-reporter.ts'],
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'WARN', AWS_REGION: 'local' },
    projects: [
      // Property-based files run thousands of cases: 20 s, not vitest's 5 s, so a loaded machine does
      // not fail them (a cap, not a timing: no test asserts a duration).
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'], isolate: false, testTimeout: 20_000 } },
      {
        extends: true,
        test: {
          name: 'infra',
          include: ['test/infra/**/*.test.ts', 'test/review/**/*.infra.test.ts'],
          testTimeout: 60_000,
          isolate: false,
        },
      },
      // The deterministic simulation (test/simulation/README.md): in-process, no DynamoDB Local.
      { extends: true, test: { name: 'simulation', include: ['test/simulation/**/*.test.ts'], testTimeout: 120_000 } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts', 'test/security/**/*.test.ts', 'test/review/**/*.test.ts'],
          exclude: ['test/review/**/*.infra.test.ts'],
          globalSetup: ['test/support/dynamodb-global-setup.ts', 'test/security/support/log-scan.global-setup.ts'],
          // Tees every log line of the test processes and scans it for every secret issued (security suite).
          setupFiles: ['test/security/support/log-capture.setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
