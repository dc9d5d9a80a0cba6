import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { deployConfig } from './deploy-config';
import { ExampleApiStack } from './example-api-stack';
import { PatServiceStack } from './pat-service-stack';

/**
 * The CDK app (`cdk.json` runs `infra/app.ts`, which only calls this): the token service, and an
 * example API protected by its authorizer. cdk-nag's AwsSolutions checks run on every synth; a
 * finding without an acknowledgment (and its reason, next to the construct it concerns) fails it.
 */
export function buildApp(app: App): { service: PatServiceStack; example?: ExampleApiStack } {
  // Acknowledgments are also written into the templates' metadata: the audit trail of what was waived, and why.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { writeSuppressionsToCloudFormation: true }));
  const config = deployConfig((key) => app.node.tryGetContext(key));
  const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
  const service = new PatServiceStack(app, config.serviceStackName, {
    ...config.service,
    env,
    description: 'Personal access tokens: token table, signing key, user pool, token API',
  });
  if (!config.exampleApi) return { service };
  const example = new ExampleApiStack(app, config.exampleStackName, {
    env,
    verification: service.service.verification,
    description: 'Example API protected by the personal access token authorizer',
  });
  return { service, example };
}
