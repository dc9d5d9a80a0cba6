import { Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { waiveControl } from '../control-tower';
import { addErrorResponses } from './error-responses';

/** An API Gateway throttle: a steady rate and a burst, for the whole stage. */
export interface Throttle {
  /** Steady requests per second, for the whole stage (not per client). */
  readonly rateLimit: number;
  /** Requests the stage may take at once above the steady rate (token bucket size). */
  readonly burstLimit: number;
}

/** The REST API's name, stage, throttles, logs and tracing. */
export interface ObservedRestApiProps {
  /** The API's name in API Gateway. */
  readonly restApiName: string;
  /** The API's description in API Gateway. */
  readonly description: string;
  /** The deployment stage's name. @default 'prod' */
  readonly stageName?: string;
  /** Default throttle of every method. @default { rateLimit: 50, burstLimit: 100 } */
  readonly throttle?: Throttle;
  /** Per-method throttles, keyed `/path/METHOD`, e.g. `/tokens/refresh/POST`. @default none: every method has the default throttle */
  readonly methodThrottles?: Record<string, Throttle>;
  /**
   * Create the account-wide role that lets API Gateway write to CloudWatch Logs (access and execution
   * logs need it). One per account and region is enough: turn it off when another stack manages it.
   * @default true
   */
  readonly manageCloudWatchRole?: boolean;
  /** A regional WAFv2 web ACL to associate with the stage. @default none */
  readonly webAclArn?: string;
  /** Retention of the access logs. @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
  /** X-Ray tracing of the stage. @default true */
  readonly tracing?: boolean;
}

/**
 * A regional REST API with what operations need from day one: JSON access logs (never bodies: they
 * carry tokens and refresh keys), execution logs at ERROR, X-Ray tracing, metrics, throttling, the
 * error responses in the spec's shape, and a request validator for the methods to use.
 */
export class ObservedRestApi extends Construct {
  readonly api: apigateway.RestApi;
  readonly requestValidator: apigateway.RequestValidator;
  readonly accessLogs: logs.LogGroup;
  readonly stageName: string;

  constructor(scope: Construct, id: string, props: ObservedRestApiProps) {
    super(scope, id);
    this.stageName = props.stageName ?? 'prod';
    const throttle = props.throttle ?? { rateLimit: 50, burstLimit: 100 };
    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR });
    waiveControl(
      this.accessLogs,
      'cloudwatch_log_group_encrypted_check',
      'CloudWatch Logs encrypts at rest with its own keys; access logs hold request metadata only (never bodies or the Authorization header), so a customer managed key would add cost without protecting a secret.',
    );
    const manageCloudWatchRole = props.manageCloudWatchRole ?? true;

    this.api = new apigateway.RestApi(this, 'Api', {
      restApiName: props.restApiName,
      description: props.description,
      endpointConfiguration: { types: [apigateway.EndpointType.REGIONAL] },
      cloudWatchRole: manageCloudWatchRole,
      deployOptions: {
        stageName: this.stageName,
        tracingEnabled: props.tracing ?? true,
        metricsEnabled: true,
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        // Never log request or response bodies: they carry access tokens and refresh keys.
        dataTraceEnabled: false,
        accessLogDestination: new apigateway.LogGroupLogDestination(this.accessLogs),
        accessLogFormat: apigateway.AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTimeEpoch',
            sourceIp: '$context.identity.sourceIp',
            userAgent: '$context.identity.userAgent',
            httpMethod: '$context.httpMethod',
            resourcePath: '$context.resourcePath',
            status: '$context.status',
            responseLength: '$context.responseLength',
            responseLatency: '$context.responseLatency',
            integrationLatency: '$context.integration.latency',
            principalId: '$context.authorizer.principalId',
            authorizerStatus: '$context.authorizer.status',
            authorizerLatency: '$context.authorizer.latency',
            authorizerError: '$context.authorizer.error',
            errorType: '$context.error.responseType',
            xrayTraceId: '$context.xrayTraceId',
          }),
        ),
        throttlingRateLimit: throttle.rateLimit,
        throttlingBurstLimit: throttle.burstLimit,
        methodOptions: Object.fromEntries(
          Object.entries(props.methodThrottles ?? {}).map(([path, limit]) => [
            path,
            { throttlingRateLimit: limit.rateLimit, throttlingBurstLimit: limit.burstLimit },
          ]),
        ),
      },
    });
    this.requestValidator = this.api.addRequestValidator('RequestValidator', {
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    addErrorResponses(this.api);

    if (manageCloudWatchRole) {
      Validations.of(this.api).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason:
          'The account-level role API Gateway assumes to write access and execution logs; this AWS managed policy is the one AWS documents for it and grants only CloudWatch Logs actions.',
      });
    }
    if (props.webAclArn) {
      new wafv2.CfnWebACLAssociation(this, 'WebAcl', { resourceArn: this.api.deploymentStage.stageArn, webAclArn: props.webAclArn });
    } else {
      Validations.of(this.api).acknowledge({
        id: 'AwsSolutions-APIG3',
        reason:
          'No web ACL on this API (billed per web ACL and rule): pass webAclArn to associate one. Throttling and the authorizers bound abuse meanwhile; the token service itself has one by default (wafRateLimit).',
      });
    }
  }
}
