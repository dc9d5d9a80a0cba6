import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type { Construct } from 'constructs';
import { exampleApiRoutes, type ProtectedRoute } from '../functions/domain/routes';
import { ObservedRestApi } from './constructs/rest-api';
import { TokenAuthorizer, type TokenAuthorizerProps, type TokenVerification } from './constructs/token-authorizer';

/** The example consumer API: the service it trusts, its routes, and two of the authorizer's timings. */
export interface ExampleApiStackProps extends StackProps, Pick<TokenAuthorizerProps, 'statusCache' | 'resultCache'> {
  /** The token service whose tokens the example API accepts. */
  readonly verification: TokenVerification;
  /** The protected routes, each with its scope or the one its path derives. @default `exampleApiRoutes` (the local server's) */
  readonly routes?: readonly ProtectedRoute[];
  /**
   * The account's API Gateway CloudWatch Logs role is the service stack's by default.
   * @default false
   */
  readonly manageApiGatewayCloudWatchRole?: boolean;
}

/**
 * A consumer of the token service: its own REST API whose methods are guarded by a
 * `TokenAuthorizer`. The routes are the configuration's `exampleApi.routes`, else the local server's example API (`exampleApiRoutes`), each needing
 * the scope derived from its path; every method answers `{"ok": true, "principal": {...}}` from a
 * mock integration, so what is tested is the authorizer alone.
 */
export class ExampleApiStack extends Stack {
  readonly authorizer: TokenAuthorizer;
  readonly api: apigateway.RestApi;

  constructor(scope: Construct, id: string, props: ExampleApiStackProps) {
    super(scope, id, props);
    const restApi = new ObservedRestApi(this, 'Api', {
      restApiName: 'pat-example-api',
      description: 'Example API protected by personal access tokens',
      manageCloudWatchRole: props.manageApiGatewayCloudWatchRole ?? false,
    });
    this.api = restApi.api;
    this.authorizer = new TokenAuthorizer(this, 'TokenAuthorizer', {
      api: this.api,
      verification: props.verification,
      statusCache: props.statusCache,
      resultCache: props.resultCache,
      // The API's error responses are already in the service's shape.
      errorResponses: false,
    });

    const answer = new apigateway.MockIntegration({
      passthroughBehavior: apigateway.PassthroughBehavior.NEVER,
      requestTemplates: { 'application/json': '{"statusCode": 200}' },
      integrationResponses: [
        {
          statusCode: '200',
          responseTemplates: {
            'application/json':
              '{"ok": true, "principal": {"tokenId": "$context.authorizer.tokenId", "owner": "$context.authorizer.owner", "tenant": "$context.authorizer.tenant"}}',
          },
        },
      ],
    });
    for (const route of props.routes ?? exampleApiRoutes) {
      this.authorizer.addMethod(this.api.root.resourceForPath(route.resource), route.method, answer, {
        scope: route.scope,
        requestValidator: restApi.requestValidator,
        methodResponses: [{ statusCode: '200' }],
      });
    }

    new CfnOutput(this, 'ExampleApiUrl', { value: this.api.url, description: 'Base URL of the example protected API' });
    new CfnOutput(this, 'AuthorizerFunctionArn', {
      value: this.authorizer.function.functionArn,
      description: 'The token authorizer of the example API',
    });
    new CfnOutput(this, 'RevocationBoundSeconds', {
      value: String(this.authorizer.revocationBound.toSeconds()),
      description: 'A revoked token is refused within this many seconds (status cache + API Gateway result cache)',
    });
  }
}
