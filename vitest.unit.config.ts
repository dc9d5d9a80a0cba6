import { defineConfig } from 'vitest/config';

// The unit project alone, for the mutation run (`npm run test:mutation`): Stryker's vitest runner
// runs every project of the config it is given, and the infra and integration projects would start
// CDK synths and DynamoDB Local for each mutant. Same settings as the `unit` project in vitest.config.ts.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    isolate: false,
    // Instrumented code runs several times slower, and the property-based tests run thousands of cases.
    testTimeout: 60_000,
    unstubEnvs: true,
    unstubGlobals: true,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'WARN', AWS_REGION: 'local' },
  },
});
