import type { APIGatewayAuthorizerResult } from 'aws-lambda';

/** IAM-style ARN pattern match: `*` matches any run of characters (including `/`), as in API Gateway. */
function arnMatches(pattern: string, arn: string): boolean {
  const expression = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${expression}$`).test(arn);
}

/** Does the authorizer's policy let this method ARN through? An explicit Deny wins; no match denies. */
export function policyAllows(result: APIGatewayAuthorizerResult, methodArn: string): boolean {
  let allowed = false;
  for (const statement of result.policyDocument.Statement) {
    const resources = 'Resource' in statement ? statement.Resource : undefined;
    const list = resources === undefined ? [] : Array.isArray(resources) ? resources : [resources];
    if (!list.some((pattern) => arnMatches(String(pattern), methodArn))) continue;
    if (statement.Effect === 'Deny') return false;
    if (statement.Effect === 'Allow') allowed = true;
  }
  return allowed;
}
