import type { APIGatewayProxyEvent } from 'aws-lambda';
import { unauthorized } from '../domain/errors';
import { isValidPrincipalId } from '../domain/new-token';
import type { Caller } from '../service/caller';

export interface IdentitySettings {
  adminGroup: string;
  tenantClaim: string;
  userIdClaim: string;
}

/**
 * The caller, from the claims API Gateway's Cognito authorizer put in the request context (the
 * local front puts the same claims there). Groups arrive as `a,b`, `[a b]` or an array.
 */
export function callerOf(event: APIGatewayProxyEvent, settings: IdentitySettings): Caller {
  const claims = (event.requestContext?.authorizer?.claims ?? {}) as Record<string, unknown>;
  const userId = claims[settings.userIdClaim];
  const tenant = claims[settings.tenantClaim];
  if (typeof userId !== 'string' || typeof tenant !== 'string' || !isValidPrincipalId(userId) || !isValidPrincipalId(tenant)) {
    throw unauthorized('A signed-in user with a tenant is required');
  }
  return {
    userId,
    tenant,
    isAdmin: groupsOf(claims['cognito:groups']).includes(settings.adminGroup),
    sourceIp: event.requestContext?.identity?.sourceIp ?? undefined,
  };
}

function groupsOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((group): group is string => typeof group === 'string');
  if (typeof value !== 'string') return [];
  return value.replace(/^\[|\]$/g, '').split(/[\s,]+/).filter(Boolean);
}
