import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import { policyLetsIn, type PolicyStatement } from '../apigateway/iam-evaluation';

/** Does the authorizer's policy let this method ARN through? Judged as API Gateway does (see `iam-policy`). */
export function policyAllows(result: APIGatewayAuthorizerResult, methodArn: string): boolean {
  return policyLetsIn(result.policyDocument.Statement as PolicyStatement[], methodArn);
}
