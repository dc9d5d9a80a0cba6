import { Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { needsSignedInUser, type OpenRouteKey } from '../../functions/domain/service-routes';
import { serviceHandlers, type ServiceRoute } from '../handlers';
import { InvalidSettingsError } from '../settings';
import type { Throttle } from './rest-api';

/** Every route of the service's REST API, from the handler specs. */
function serviceRoutes(): ServiceRoute[] {
  return Object.values(serviceHandlers).flatMap((spec): readonly ServiceRoute[] => spec.routes);
}

/**
 * One route of the service's REST API: Cognito-authorized (a signed-in user or admin) or open (a
 * credential in the request, or none, with the reason cdk-nag's "no authorizer" findings are
 * acknowledged for it), its path parameters required
 * and validated by the API's request validator.
 */
export function addServiceRoute(
  api: apigateway.RestApi,
  requestValidator: apigateway.IRequestValidator,
  route: ServiceRoute,
  integration: apigateway.Integration,
  userAuthorizer: apigateway.IAuthorizer,
): void {
  const pathParameters = [...route.path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]!);
  const method = api.root.resourceForPath(route.path).addMethod(route.method, integration, {
    requestValidator,
    requestParameters: Object.fromEntries(pathParameters.map((name) => [`method.request.path.${name}`, true])),
    ...(needsSignedInUser(route.access)
      ? { authorizer: userAuthorizer, authorizationType: apigateway.AuthorizationType.COGNITO }
      : { authorizationType: apigateway.AuthorizationType.NONE }),
  });
  if (!needsSignedInUser(route.access)) {
    const reason = (publicRouteReasons as Record<string, string>)[`${route.method} ${route.path}`];
    if (!reason) throw new InvalidSettingsError(`${route.method} ${route.path} is public: say why in publicRouteReasons`);
    Validations.of(method).acknowledge({ id: 'AwsSolutions-APIG4', reason });
    Validations.of(method).acknowledge({ id: 'AwsSolutions-COG4', reason });
  }
}

/**
 * Why each public route is public: the acknowledgment of cdk-nag's "no authorizer" findings. Keyed
 * by the table's open routes, so a new open route without a reason, or a reason left for a route
 * that is gone or now needs a user, does not compile.
 */
const publicRouteReasons: Record<OpenRouteKey, string> = {
  'POST /tokens/refresh':
    'Public by design: a vendor rotates its token without a user session; the refresh key in the body is the credential (hashed, constant-time compared, reuse revokes the family) and the route is throttled.',
  'POST /tokens/revoke-leaked':
    'Public by design, like GitHub credential revocation: whoever finds a leaked secret may report it; possession is the proof, the answer never tells what was valid, and the route is throttled.',
  'GET /.well-known/jwks.json': 'Public by design: public keys that let anyone verify tokens offline (RFC 7517); nothing secret.',
  'GET /openapi.json':
    'Public by design: the description of this API (OpenAPI), built from its schemas; no data, no secret, no table or key access.',
  'GET /tokens/self':
    'Authenticated by the personal access token itself (Bearer), verified in the handler (signature, kid, alg, typ, iss); a forged token gets 401. No user session exists for a vendor; throttled.',
  'POST /oauth2/token':
    'Public by design (RFC 6749 refresh_token grant for public clients): the refresh key in the form is the credential, with the same rules as POST /tokens/refresh; throttled.',
  'POST /oauth2/revoke':
    'Public by design (RFC 7009): holding a token is the proof to revoke it; the answer is 200 whatever it was; throttled.',
  'GET /.well-known/oauth-authorization-server': 'Public by design: RFC 8414 metadata naming the OAuth endpoints; nothing secret.',
  'POST /secret-scanning/github':
    "Authenticated in the handler: GitHub's secret scanning partner program signs each alert (ECDSA P-256 over the raw body) with keys configured in secretScanningKeys; an unsigned or badly signed call is a 401 and revokes nothing. Throttled.",
};

/** The resource paths of every route marked `publicThrottle` (the per-client limit's scope). */
export function publicThrottledPaths(): string[] {
  const routes = serviceRoutes();
  return [...new Set(routes.filter((route) => route.publicThrottle).map((route) => route.path))];
}

/** The stage's method settings for every route marked `publicThrottle`, keyed `/path/METHOD`. */
export function publicThrottles(throttle: Throttle): Record<string, Throttle> {
  const routes = serviceRoutes();
  return Object.fromEntries(routes.filter((route) => route.publicThrottle).map((route) => [`${route.path}/${route.method}`, throttle]));
}

/**
 * The CloudFront path patterns of every API route, from the handler specs (a new route follows):
 * `/seg` for a route that has no sub-paths, `/seg/*` for sub-paths only, `/seg*` for both.
 */
export function apiPathPatterns(): string[] {
  const routes = serviceRoutes();
  const bySegment = new Map<string, { exact: boolean; deeper: boolean }>();
  for (const route of routes) {
    const [, segment, ...rest] = route.path.split('/');
    const seen = bySegment.get(segment!) ?? { exact: false, deeper: false };
    bySegment.set(segment!, rest.length === 0 ? { ...seen, exact: true } : { ...seen, deeper: true });
  }
  return [...bySegment].map(([segment, { exact, deeper }]) =>
    exact && deeper ? `/${segment}*` : deeper ? `/${segment}/*` : `/${segment}`,
  );
}
