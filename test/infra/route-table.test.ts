import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { needsSignedInUser, routeKeyOf, serviceRoutes } from '../../functions/domain/service-routes';
import { serviceHandlers } from '../../infra/handlers';
import { deployConfig } from '../../infra/deploy-config';
import { PatServiceStack } from '../../infra/pat-service-stack';
import { logicalIdOf, testApp } from './synth';

// The route table (functions/domain/service-routes.ts) is what the stack deploys: each route, on
// the function the table names, behind the Cognito authorizer exactly when the table asks for a
// signed-in person; and no method the table lacks.
type Json = Record<string, unknown>;

/** Each method of the REST API as `METHOD /path → function entry, guard`, rebuilt from the template. */
function deployedRoutes(stack: PatServiceStack): string[] {
  const template = Template.fromStack(stack);
  const resources = template.findResources('AWS::ApiGateway::Resource');
  const pathOf = (parent: Json): string => {
    if ('Fn::GetAtt' in parent) return '';
    const resource = resources[(parent as { Ref: string }).Ref]!;
    return `${pathOf(resource.Properties.ParentId)}/${String(resource.Properties.PathPart)}`;
  };
  const entryByLogicalId = new Map(
    Object.entries(stack.service.functions).map(([name, fn]) => [
      logicalIdOf(fn.function),
      serviceHandlers[name as keyof typeof serviceHandlers].entry,
    ]),
  );
  return Object.values(template.findResources('AWS::ApiGateway::Method'))
    .filter(({ Properties: p }) => p.HttpMethod !== 'OPTIONS')
    .map(({ Properties: p }) => {
      // The integration URI names the function: …/functions/${Fn::GetAtt [<function>, Arn]}/invocations.
      const target = JSON.stringify(p.Integration?.Uri).match(/"Fn::GetAtt":\["([^"]+)","Arn"\]/)?.[1];
      const guard = p.AuthorizationType === 'COGNITO_USER_POOLS' ? 'signed-in' : String(p.AuthorizationType);
      return `${p.HttpMethod} ${pathOf(p.ResourceId as Json) || '/'} → ${entryByLogicalId.get(target ?? '') ?? target}, ${guard}`;
    });
}

describe('the service API the stack deploys', () => {
  it('is the route table: every route on the function the table names, guarded as its access says, and nothing else', () => {
    const expected = serviceRoutes.map(
      (route) => `${routeKeyOf(route)} → ${route.handler}, ${needsSignedInUser(route.access) ? 'signed-in' : 'NONE'}`,
    );

    const test = testApp();
    // The stack alone (cdk-nag and the console are service-stack.test.ts's): what matters here is its API.
    const { service } = deployConfig((key) => test.app.node.tryGetContext(key));
    const stack = new PatServiceStack(test.app, 'Routes', { ...service, webConsole: false, monitoring: false });

    try {
      expect(deployedRoutes(stack).sort()).toEqual(expected.sort());
    } finally {
      test.cleanup();
    }
  }, 60_000);
});
