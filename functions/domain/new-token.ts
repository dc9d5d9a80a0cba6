import { codePointName, descriptionFault, normalizeDescription } from './description';
import { conflict, invalidRequest, type FieldProblem } from './errors';
import { parseIpEntry } from './ip-entries';
import { resolveExpiry, type TokenPolicy } from './token-policy';
import { normaliseScopes, type ScopeCatalogue } from './scopes';

/** What a caller asks for when creating a token, after JSON-shape validation. */
export interface NewTokenRequest {
  description: string;
  scopes: string[];
  expiresInDays?: number;
  expiresAt?: string | null;
  allowedIps?: string[];
  owner?: string;
  /** Why the token is needed, for the admins who approve it. */
  justification?: string;
}

/** The answer when an owner already holds as many active (or pending) tokens as the cap allows. */
export function activeTokenCapReached(owner: string, cap: number) {
  return conflict(`${owner} already has ${cap} active tokens (this tenant's maximum); revoke one first`);
}

export interface NewTokenTerms {
  description: string;
  scopes: string[];
  allowedIps: string[];
  /** Epoch milliseconds (whole seconds), or null for no expiry. */
  expiresAt: number | null;
}

export { descriptionKey, isValidPrincipalId, normalizeDescription } from './description';

/** A refused description in the words of the API's 400 (`description must not be empty`). */
export function descriptionProblem(description: string, maxLength: number): string | undefined {
  const fault = descriptionFault(description, maxLength);
  switch (fault?.kind) {
    case undefined:
      return undefined;
    case 'empty':
      return 'must not be empty';
    case 'lone_surrogate':
      return `must be well-formed Unicode (lone surrogate ${codePointName(fault.codePoint)})`;
    case 'control':
      return `must not contain control characters or line breaks (${codePointName(fault.codePoint)})`;
    case 'invisible':
      return `must not contain invisible or format characters (${codePointName(fault.codePoint)})`;
    case 'too_long':
      return `must be at most ${fault.maxLength} characters`;
  }
}

/**
 * Checks every rule of a create request and returns the normalised terms, or throws one
 * `invalid_request` listing every offending field.
 */
export function newTokenTerms(request: NewTokenRequest, policy: TokenPolicy, catalogue: ScopeCatalogue, nowMillis: number): NewTokenTerms {
  const problems: FieldProblem[] = [];

  const descriptionIssue = descriptionProblem(request.description, policy.maxDescriptionLength);
  if (descriptionIssue) problems.push({ field: 'description', message: descriptionIssue });

  let scopes: string[] = [];
  if (request.scopes.length === 0) {
    problems.push({ field: 'scopes', message: 'must name at least one scope' });
  } else {
    const normalised = normaliseScopes(request.scopes, catalogue);
    if (normalised.ok) scopes = normalised.scopes;
    else problems.push({ field: 'scopes', message: `not in the scope catalogue: ${normalised.unknown.join(', ')}` });
  }

  const allowedIps: string[] = [];
  const seen = new Set<string>();
  const entries = request.allowedIps ?? [];
  if (entries.length > policy.maxIpEntries) {
    problems.push({ field: 'allowedIps', message: `at most ${policy.maxIpEntries} entries` });
  } else {
    entries.forEach((entry, index) => {
      const parsed = parseIpEntry(entry);
      if (parsed.ok) {
        // Stored as the caller wrote it (trimmed); two spellings of one entry count once.
        if (!seen.has(parsed.canonical)) {
          seen.add(parsed.canonical);
          allowedIps.push(entry.trim());
        }
      } else {
        problems.push({ field: `allowedIps[${index}]`, message: parsed.reason });
      }
    });
  }

  let expiresAt: number | null = null;
  try {
    const seconds = resolveExpiry(request, policy, Math.floor(nowMillis / 1000));
    expiresAt = seconds === null ? null : seconds * 1000;
  } catch (error) {
    if (error instanceof Error && 'details' in error && Array.isArray(error.details)) problems.push(...(error.details as FieldProblem[]));
    else throw error;
  }

  if (problems.length > 0) {
    throw invalidRequest(problems.map((p) => `${p.field} ${p.message}`).join('; '), problems);
  }
  return { description: normalizeDescription(request.description), scopes, allowedIps, expiresAt };
}
