/**
 * A Lambda behind a Function URL (or API Gateway v2), protected by the token verifier as a middy
 * middleware. Deploy with the PAT_* variables of `verifierOptionsFromEnvironment` and the role
 * grants of a token authorizer (GetItem/BatchGetItem, the narrow UpdateItems, the feed Query).
 */
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { createTokenVerifier, type TokenVerifier, tokenAuthorizer, verifierOptionsFromEnvironment } from '../src/index';

export function createFunctionUrlHandler(verifier: TokenVerifier) {
  return middy(async (_event: unknown, context: Context & { principal?: unknown }) => ({
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ok: true, principal: context.principal }),
  })).use(tokenAuthorizer({ verifier }));
}

/** The deployed entry: the verifier built once per container, at cold start. */
export const handler = process.env.PAT_ISSUER ? createFunctionUrlHandler(createTokenVerifier(verifierOptionsFromEnvironment())) : undefined;
