/**
 * A Lambda registered as an Application Load Balancer target, protected by the token verifier. The
 * client's address is the last X-Forwarded-For entry (the one the ALB appended).
 */
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { createTokenVerifier, type TokenVerifier, tokenAuthorizer, verifierOptionsFromEnvironment } from '../src/index';

export interface AlbEvent {
  httpMethod: string;
  path: string;
  headers: Record<string, string | undefined>;
  body?: string | null;
  isBase64Encoded?: boolean;
}

export function createAlbHandler(verifier: TokenVerifier) {
  return middy(async (_event: AlbEvent, context: Context & { principal?: unknown }) => ({
    statusCode: 200,
    statusDescription: '200 OK',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ok: true, principal: context.principal }),
  })).use(tokenAuthorizer<AlbEvent>({ verifier }));
}

export const handler = process.env.PAT_ISSUER ? createAlbHandler(createTokenVerifier(verifierOptionsFromEnvironment())) : undefined;
