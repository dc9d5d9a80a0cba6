import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { InvalidSettingsError } from '../settings';

/** A per-client rate limit, counted by WAF per source IP over a sliding window. */
export interface WafRateLimit {
  /**
   * Requests one source IP may send to the limited routes per window; more are answered 429 until its
   * rate falls back under the limit. At least 10.
   * @default 100
   */
  readonly limit?: number;
  /** The window WAF counts over: 60, 120, 300 or 600 seconds. @default 300 */
  readonly windowSeconds?: 60 | 120 | 300 | 600;
}

/** The per-client limit of `PublicRouteRateLimit`: the rate and the routes it holds. */
export interface PublicRouteRateLimitProps extends WafRateLimit {
  /** Resource paths of the limited routes, as the API declares them (`/tokens/refresh`). */
  readonly paths: readonly string[];
}

/**
 * A regional WAFv2 web ACL with one rate-based rule: per source IP, scoped down to `paths`, so that
 * one anonymous client cannot use up the stage-wide throttle those routes share and starve every
 * other vendor's refresh. Everything else passes (default action Allow).
 */
export class PublicRouteRateLimit extends Construct {
  readonly webAcl: wafv2.CfnWebACL;

  constructor(scope: Construct, id: string, props: PublicRouteRateLimitProps) {
    super(scope, id);
    const limit = props.limit ?? 100;
    const windowSeconds = props.windowSeconds ?? 300;
    if (!Number.isInteger(limit) || limit < 10 || limit > 2_000_000_000)
      throw new InvalidSettingsError(`${this.node.path}: wafRateLimit.limit must be a whole number from 10 (got ${limit})`);
    if (![60, 120, 300, 600].includes(windowSeconds))
      throw new InvalidSettingsError(`${this.node.path}: wafRateLimit.windowSeconds must be 60, 120, 300 or 600 (got ${windowSeconds})`);
    if (props.paths.length === 0) throw new InvalidSettingsError(`${this.node.path}: no path to limit`);

    // WAF sees the stage in the path (/prod/tokens/refresh) and the path as sent: decode and normalize
    // it first, so that /prod//tokens/./refresh or %2F spellings are counted too.
    const pathMatches: wafv2.CfnWebACL.StatementProperty[] = props.paths.map((path) => ({
      byteMatchStatement: {
        fieldToMatch: { uriPath: {} },
        positionalConstraint: 'ENDS_WITH',
        searchString: path,
        textTransformations: [
          { priority: 0, type: 'URL_DECODE' },
          { priority: 1, type: 'NORMALIZE_PATH' },
        ],
      },
    }));
    const scopeDown = pathMatches.length === 1 ? pathMatches[0]! : { orStatement: { statements: pathMatches } };

    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      description: `Per-client rate limit on ${props.paths.join(', ')}`,
      defaultAction: { allow: {} },
      visibilityConfig: { sampledRequestsEnabled: true, cloudWatchMetricsEnabled: true, metricName: 'PatPublicRoutes' },
      rules: [
        {
          name: 'PublicRoutesPerClientIp',
          priority: 0,
          action: { block: { customResponse: { responseCode: 429, customResponseBodyKey: 'tooManyRequests' } } },
          statement: {
            rateBasedStatement: { aggregateKeyType: 'IP', limit, evaluationWindowSec: windowSeconds, scopeDownStatement: scopeDown },
          },
          visibilityConfig: { sampledRequestsEnabled: true, cloudWatchMetricsEnabled: true, metricName: 'PatPublicRoutesPerClientIp' },
        },
      ],
      // The spec's error shape, as the API's own THROTTLED gateway response answers.
      customResponseBodies: {
        tooManyRequests: {
          contentType: 'APPLICATION_JSON',
          content: JSON.stringify({ error: { code: 'too_many_requests', message: 'Too many requests from this client; retry later' } }),
        },
      },
    });
  }

  get webAclArn(): string {
    return this.webAcl.attrArn;
  }
}
