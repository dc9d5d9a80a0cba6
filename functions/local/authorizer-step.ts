import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent, Context } from 'aws-lambda';
import type { TokenRefusal } from '../domain/bearer-challenge';
import { authorizerEvent, lambdaContext, methodArnOf, newRequestId, type IncomingCall } from './api-gateway-event';

/** A call to a protected route: its request id is drawn only if the authorizer runs. */
export type ProtectedCall = Omit<IncomingCall, 'requestId'>;
import { policyAllows } from './policy-evaluation';

export type AuthorizerHandler = (event: APIGatewayRequestAuthorizerEvent, context: Context) => Promise<APIGatewayAuthorizerResult>;

export type AuthorizerDecision =
  | { status: 200; context: Record<string, unknown>; answer: string }
  | { status: 401; refusal: TokenRefusal }
  | { status: 403; deniedIp: boolean }
  | { status: 503 };

/**
 * A decision API Gateway cached, with what the front derives from it once rather than per request:
 * whether its policy lets each method ARN in (the policy is fixed for the entry's life) and the
 * example API's answer.
 */
interface CachedAuthorization {
  result: APIGatewayAuthorizerResult;
  until: number;
  allows: Map<string, boolean>;
  allowed?: AuthorizerDecision & { status: 200 };
}

/** Method ARNs remembered per cached decision: a path with ids has as many as there are ids. */
const MAX_ARNS_PER_DECISION = 1_000;
const MAX_CACHED_DECISIONS = 50_000;

/**
 * API Gateway's step before a protected route: the REQUEST authorizer, with the stage's result
 * cache keyed by the identity sources (Authorization and the source IP). As in API Gateway, a
 * cached decision lives its whole TTL unless the stage's cache is flushed.
 */
export function authorizerStep(options: {
  authorizer: () => Promise<AuthorizerHandler>;
  cacheMs: number;
  counters: { authorizerInvocations: number; cacheFlushes: number };
}) {
  const cache = new Map<string, CachedAuthorization>();

  async function decisionOf(protectedCall: ProtectedCall): Promise<CachedAuthorization | AuthorizerDecision> {
    const call: IncomingCall = { ...protectedCall, requestId: newRequestId() };
    const authorizer = await options.authorizer();
    let result: APIGatewayAuthorizerResult;
    options.counters.authorizerInvocations++;
    try {
      result = await authorizer(authorizerEvent(call), lambdaContext('authorizer', call.requestId));
    } catch (error) {
      // `Unauthorized` is API Gateway's 401; any other failure of the authorizer lets nobody in.
      if ((error as Error).message !== 'Unauthorized') return { status: 503 };
      // A refusal is not cached here: API Gateway caches only policies (and an absent header never reaches the authorizer).
      return { status: 401, refusal: (error as { refusal?: TokenRefusal }).refusal ?? 'invalid' };
    }
    // Like API Gateway: the TTL is the stage's, whatever the token's exp or grace (the stage
    // flush ends a decision at those instants, as it does after a revocation).
    const entry: CachedAuthorization = { result, until: Date.now() + options.cacheMs, allows: new Map() };
    if (options.cacheMs > 0) cache.set(`${call.headers.authorization ?? ''}\u0000${call.sourceIp}`, entry);
    if (cache.size > MAX_CACHED_DECISIONS) cache.delete(cache.keys().next().value!);
    return entry;
  }

  /** The verdict of a decision on this call's method ARN, kept with the decision. */
  function verdictOf(entry: CachedAuthorization, call: ProtectedCall): AuthorizerDecision {
    const methodArn = methodArnOf(call.method, call.path);
    let allows = entry.allows.get(methodArn);
    if (allows === undefined) {
      allows = policyAllows(entry.result, methodArn);
      if (entry.allows.size >= MAX_ARNS_PER_DECISION) entry.allows.clear();
      entry.allows.set(methodArn, allows);
    }
    if (!allows) return { status: 403, deniedIp: entry.result.context?.deniedIp === 'true' };
    entry.allowed ??= allowedAnswerOf(entry.result);
    return entry.allowed;
  }

  /** The cached decision's verdict, if a live one is cached: no promise, no tick (most requests end here). */
  function cached(call: ProtectedCall): AuthorizerDecision | undefined {
    const cacheKey = `${call.headers.authorization ?? ''}\u0000${call.sourceIp}`;
    const entry = cache.get(cacheKey);
    if (!entry) return undefined;
    if (entry.until <= Date.now()) {
      cache.delete(cacheKey);
      return undefined;
    }
    return verdictOf(entry, call);
  }

  return {
    cached,
    /** The verdict for a call: the cached decision's, else the authorizer's (cached as API Gateway caches it). */
    async authorize(call: ProtectedCall): Promise<AuthorizerDecision> {
      const hit = cached(call);
      if (hit) return hit;
      const entry = await decisionOf(call);
      return 'status' in entry ? entry : verdictOf(entry, call);
    },
    /** FlushStageAuthorizersCache: the whole stage's cached decisions, as API Gateway does. */
    flush() {
      options.counters.cacheFlushes++;
      cache.clear();
    },
  };
}

function allowedAnswerOf(result: APIGatewayAuthorizerResult) {
  const context: Record<string, unknown> = { ...result.context, principalId: result.principalId };
  const { tokenId, owner, tenant } = context;
  return { status: 200 as const, context, answer: JSON.stringify({ ok: true, principal: { tokenId, owner, tenant } }) };
}
