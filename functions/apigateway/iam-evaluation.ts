/*
 * How API Gateway judges a request against a Lambda authorizer's policy, after the IAM rules it
 * follows: a statement applies when its Action matches `execute-api:Invoke` and one of its Resource
 * ARNs matches the request's method ARN (`arn:…:api-id/stage/VERB/concrete/path`); in those
 * patterns `*` matches any run of characters, `/` and `:` included, and `?` any one character;
 * matching is case-sensitive. An applicable Deny wins; otherwise an applicable Allow lets the
 * request in; with neither, it is denied (403). One definition, used by the local front and by the
 * tests that prove the authorizer's policies exact.
 */
import { LruCache } from '../service/lru-cache';

export interface PolicyStatement {
  Effect: string;
  Action?: string | string[];
  Resource?: string | string[];
}

export type PolicyVerdict = 'allow' | 'deny' | 'no-match';

/** Compiled patterns: a route table's few dozen stay; a flood of odd ones cannot grow it without bound. */
const compiled = new LruCache<string, RegExp>(10_000);

/** Does an IAM ARN pattern (`*`, `?`) match this ARN? */
export function arnMatches(pattern: string, arn: string): boolean {
  let expression = compiled.get(pattern);
  if (!expression) {
    const source = [...pattern]
      .map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[.+^${}()|[\]\\/]/g, '\\$&')))
      .join('');
    expression = new RegExp(`^${source}$`, 's');
    compiled.set(pattern, expression);
  }
  return expression.test(arn);
}

const listOf = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** The verdict of a policy for invoking `methodArn`: explicit Deny, Allow, or no applicable statement. */
export function evaluatePolicy(statements: readonly PolicyStatement[], methodArn: string): PolicyVerdict {
  let allowed = false;
  for (const statement of statements) {
    // IAM action names are case-insensitive.
    if (!listOf(statement.Action).some((action) => arnMatches(action.toLowerCase(), 'execute-api:invoke'))) continue;
    if (!listOf(statement.Resource).some((pattern) => arnMatches(pattern, methodArn))) continue;
    if (statement.Effect === 'Deny') return 'deny';
    if (statement.Effect === 'Allow') allowed = true;
  }
  return allowed ? 'allow' : 'no-match';
}

/** Is the request let in? Only with an applicable Allow and no applicable Deny. */
export function policyLetsIn(statements: readonly PolicyStatement[], methodArn: string): boolean {
  return evaluatePolicy(statements, methodArn) === 'allow';
}
