import { Token } from 'aws-cdk-lib';
import { InvalidSettingsError } from '../settings';

/** The console under a domain of your own instead of (as well as) `*.cloudfront.net`. */
export interface ConsoleCustomDomain {
  /** The first is the console's URL; all of them are callback URLs. Point each (CNAME or alias) at the distribution. */
  readonly domainNames: string[];
  /** An ACM certificate in us-east-1 (CloudFront's region) covering every name. */
  readonly certificateArn: string;
}

/** How the web console is deployed (`PatService`'s `webConsole` prop). */
export interface WebConsoleOptions {
  /**
   * The built console (`npm run build:web`): `index.html`, `assets/`. Its `console-config.json` is
   * replaced by the deployment's.
   * @default the `webConsoleAssets` context value, else `web/dist`
   */
  readonly assetsDir?: string;
  /**
   * Prefix of the Cognito domain of the managed sign-in pages, `https://<prefix>.auth.<region>.amazoncognito.com`.
   * Unique per region across all AWS accounts; no `aws`, `amazon` or `cognito` in it.
   * @default the `hostedSignIn` domain if there is one, else `<stack name>-<8 hex digits of the stack id>`
   */
  readonly domainPrefix?: string;
  /**
   * The sign-in domain an imported user pool already has (`https://….amazoncognito.com` or its custom
   * domain): nothing is created. A pool has at most one Cognito domain.
   * @default a domain is created (`domainPrefix`)
   */
  readonly existingDomainUrl?: string;
  /** Your own domain names (and their us-east-1 certificate) for the console. @default the distribution's `https://<id>.cloudfront.net` only */
  readonly customDomain?: ConsoleCustomDomain;
  /** More callback and sign-out URLs for the console's client, e.g. a copy of the console served elsewhere. @default none */
  readonly callbackUrls?: string[];
  /** A WAFv2 web ACL of scope CLOUDFRONT (created in us-east-1) for the distribution. @default none */
  readonly webAclArn?: string;
  /** How long CloudFront and S3 access logs are kept, in days. @default 365 */
  readonly logRetentionDays?: number;
}

/** The console's `/console-config.json` in Cognito mode (`web/src/auth.ts` reads it). */
export interface CognitoConsoleConfig {
  readonly mode: 'cognito';
  readonly authority: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly apiUrl: string;
  readonly logoutUrl: string;
  readonly scope: string;
  readonly adminGroup: string;
  readonly tenantClaim: string;
}

/**
 * The console's Content-Security-Policy: its own scripts and styles only, no framing, and requests
 * only to itself (files and API) and to Cognito (the issuer's discovery document, the token endpoint).
 */
export function contentSecurityPolicy({ connectTo }: { connectTo: string[] }): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "manifest-src 'self'",
    `connect-src 'self' ${connectTo.join(' ')}`,
    "form-action 'self'",
    "base-uri 'none'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    'upgrade-insecure-requests',
  ].join('; ');
}

export function checkOptions(props: WebConsoleOptions, where: string): void {
  const problems: string[] = [];
  const known = (value: string | undefined): value is string => value !== undefined && !Token.isUnresolved(value);
  if (
    known(props.domainPrefix) &&
    (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(props.domainPrefix) || /aws|amazon|cognito/.test(props.domainPrefix))
  ) {
    problems.push(
      `domainPrefix "${props.domainPrefix}" must be lower-case letters, digits and hyphens (not at either end), without "aws", "amazon" or "cognito"`,
    );
  }
  if (props.domainPrefix !== undefined && props.existingDomainUrl !== undefined)
    problems.push('give domainPrefix (a domain is created) or existingDomainUrl (the pool has one), not both');
  if (known(props.existingDomainUrl) && !/^https:\/\/[^/]+\/?$/.test(props.existingDomainUrl))
    problems.push(`existingDomainUrl "${props.existingDomainUrl}" must be https://<host>`);
  if (props.customDomain) {
    if (props.customDomain.domainNames.length === 0) problems.push('customDomain.domainNames must name at least one domain');
    if (known(props.customDomain.certificateArn) && !/^arn:aws[a-z-]*:acm:us-east-1:/.test(props.customDomain.certificateArn)) {
      problems.push('customDomain.certificateArn must be an ACM certificate in us-east-1 (CloudFront uses only those)');
    }
  }
  if (known(props.webAclArn) && !/^arn:aws[a-z-]*:wafv2:us-east-1:\d+:global\/webacl\//.test(props.webAclArn)) {
    problems.push('webAclArn must be a WAFv2 web ACL of scope CLOUDFRONT (arn:aws:wafv2:us-east-1:<account>:global/webacl/…)');
  }
  for (const url of props.callbackUrls ?? []) {
    if (known(url) && !/^https:\/\/[^/]+\/.*$/.test(url) && !/^http:\/\/localhost(:\d+)?\//.test(url))
      problems.push(`callbackUrls: "${url}" must be an https URL ending in a path (http only for localhost)`);
  }
  if (problems.length > 0) throw new InvalidSettingsError(`${where}: invalid web console options:\n  - ${problems.join('\n  - ')}`);
}
