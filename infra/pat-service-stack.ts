import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { PatService, type PatServiceProps } from './constructs/pat-service';

export type PatServiceStackProps = StackProps & PatServiceProps;

/** The token service as one deployable stack, with the outputs people and other stacks need. */
export class PatServiceStack extends Stack {
  readonly service: PatService;

  constructor(scope: Construct, id: string, props: PatServiceStackProps) {
    super(scope, id, props);
    this.service = new PatService(this, 'Service', props);
    const { service } = this;

    new CfnOutput(this, 'ApiUrl', { value: service.restApi.url, description: 'Base URL of the token API' });
    new CfnOutput(this, 'JwksUrl', { value: service.jwksUrl, description: 'Public keys that verify tokens (JWKS)' });
    new CfnOutput(this, 'Issuer', { value: service.issuer, description: "The tokens' iss claim" });
    new CfnOutput(this, 'UserPoolId', {
      value: service.users.userPool.userPoolId,
      description: 'Cognito user pool of the management routes',
    });
    new CfnOutput(this, 'UserPoolClientId', {
      value: service.users.userPoolClient.userPoolClientId,
      description: 'Public app client for the console and the CLI',
    });
    new CfnOutput(this, 'TokenTableArn', {
      value: service.table.tableArn,
      description: 'For importTokenVerification() in another app',
    });
    if (service.webConsole) {
      new CfnOutput(this, 'ConsoleUrl', { value: service.webConsole.url, description: 'The web console: sign in with a user of the pool' });
      if (props.webConsole && props.webConsole.customDomain) {
        new CfnOutput(this, 'ConsoleDistributionDomainName', {
          value: service.webConsole.distribution.distributionDomainName,
          description: "Point the console's custom domain names here (CNAME, or a Route 53 alias)",
        });
      }
    }
    new CfnOutput(this, 'SigningKeyArn', { value: service.signingKeys.signingKey.keyArn, description: 'The KMS key that signs tokens' });
    // With these two, a TokenAuthorizer of another app registers its stages for the stage flusher
    // (importTokenVerification's flusherRoleArn, stageRegistryPath): without them its bound is the result cache TTL.
    new CfnOutput(this, 'AuthorizerCacheFlusherRoleArn', {
      value: service.authorizerCacheFlusher.handler.role.roleArn,
      description: 'For importTokenVerification() in another app: the role that flushes its stages after each revocation',
    });
    new CfnOutput(this, 'AuthorizerStageRegistryPath', {
      value: service.authorizerCacheFlusher.registryPath,
      description: 'For importTokenVerification() in another app: where its TokenAuthorizer registers its stages',
    });
    new CfnOutput(this, 'VerificationParameterPath', {
      value: service.publishedVerification.path,
      description: 'For importTokenVerification.fromParameters(scope, id, { path }) in another app: every setting a consumer needs',
    });
  }
}
