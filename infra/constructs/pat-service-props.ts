import type * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { TokenServiceSettings } from '../settings';
import type { WafRateLimit } from './rate-limit';
import type { Throttle } from './rest-api';
import type { SigningKeysProps } from './signing-keys';
import type { ExistingUserPool, HostedSignIn } from './user-directory';
import type { WebConsoleOptions } from './web-console-options';

/** Where and when `PatService` announces tokens about to expire. */
export interface ExpiryNotificationsProps {
  /** The event bus that receives one `Token Expiring` event per notice. @default 'default', unless only `topicArn` is given */
  readonly eventBusName?: string;
  /** An SNS topic that also (or instead) receives one message per notice. @default none */
  readonly topicArn?: string;
  /** Days before expiry at which a token is announced, 1–365. @default [30, 7, 1] */
  readonly horizonsDays?: number[];
  /** When the expiry notifier runs. @default every day at 06:00 UTC */
  readonly schedule?: events.Schedule;
}

/** Everything `PatService` (and `PatServiceStack`) can be told; only `settings` is required. */
export interface PatServiceProps {
  /** Scope catalogue, token policy, issuer, admin group and tenant claim. */
  readonly settings: TokenServiceSettings;
  /** Use an existing Cognito user pool instead of creating one. @default a new pool */
  readonly userPool?: ExistingUserPool;
  /** MFA of a created pool. @default cognito.Mfa.REQUIRED (TOTP) */
  readonly mfa?: cognito.Mfa;
  /** Feature plan of a created pool. @default cognito.FeaturePlan.ESSENTIALS */
  readonly featurePlan?: cognito.FeaturePlan;
  /**
   * Managed sign-in pages and the code flow on the API's client, for a console served elsewhere; the
   * deployed console (`webConsole`) needs none of it. @default none
   */
  readonly hostedSignIn?: HostedSignIn;
  /**
   * The web console behind CloudFront, with the management API on the same origin and sign-in
   * through the user pool's managed pages; `false` leaves it out. @default deployed from `web/dist`
   */
  readonly webConsole?: WebConsoleOptions | false;
  /** Signing key generation and older keys still verifying. @default generation 1, no older keys */
  readonly signingKeys?: SigningKeysProps;
  /**
   * A fixed name for the token table (retained when the stack goes: a fixed name blocks a
   * redeployment under another stack name). @default a generated name
   */
  readonly tableName?: string;
  /** The REST API's stage, the last segment of the issuer URL. @default 'prod' */
  readonly stageName?: string;
  /** Default throttle of every method of the API. @default { rateLimit: 50, burstLimit: 100 } */
  readonly throttle?: Throttle;
  /**
   * Throttle of the routes open to anyone that work per call, `POST /tokens/refresh` and
   * `POST /tokens/revoke-leaked`: it bounds refresh-key guessing and the KMS Sign calls and writes a
   * caller can cause. @default { rateLimit: 10, burstLimit: 20 }
   */
  readonly publicThrottle?: Throttle;
  /** Where and when expiry notices go. @default the default event bus, daily at 06:00 UTC, horizons 30, 7, 1 days */
  readonly expiryNotifications?: ExpiryNotificationsProps;
  /**
   * A per-client limit on the public routes that work per call (`POST /tokens/refresh`,
   * `POST /tokens/revoke-leaked`): a regional WAFv2 web ACL of this stack, associated with the stage,
   * with one rate-based rule per source IP scoped down to those paths. `publicThrottle` is one bucket
   * for every client; this keeps one client from emptying it. About 6 USD a month plus 0.60 USD per
   * million requests to the API (docs/deploy.md). `false`: no web ACL, the stage-wide throttle only.
   * Not created when `webAclArn` is given.
   * @default { limit: 100, windowSeconds: 300 }: 100 requests per source IP per 5 minutes
   */
  readonly wafRateLimit?: WafRateLimit | false;
  /**
   * A regional WAFv2 web ACL of your own to associate with the stage instead of the one `wafRateLimit`
   * creates (add a rate-based rule like it to keep the per-client limit).
   * @default the web ACL of `wafRateLimit`, if any
   */
  readonly webAclArn?: string;
  /** Create API Gateway's account-wide CloudWatch Logs role. @default true */
  readonly manageApiGatewayCloudWatchRole?: boolean;
  /** Retention of the functions' and the API's logs. @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
  /** X-Ray tracing of the functions and the API. @default true */
  readonly tracing?: boolean;
  /**
   * An SNS topic for the service's operational alarms (today: authorizer cache flushes failing, which
   * lengthens the revocation bound to the result cache TTL). @default none: the alarms show in CloudWatch only
   */
  readonly alarmTopicArn?: string;
  /**
   * The SSM parameter path under which the service publishes what a consumer needs to verify its
   * tokens (issuer, table, keys, JWKS URL, catalogue, the policy an authorizer reads, the stage
   * flusher): read by `importTokenVerification.fromParameters(scope, id, { path })`.
   * @default `/pat-service/<stack name>/<construct id>/verification`
   */
  readonly verificationParameterPath?: string;
  /**
   * The operator's dashboard and alarms (cdk-monitoring-constructs), the alarms wired to
   * `alarmTopicArn`. `false` leaves them out. @default true
   */
  readonly monitoring?: boolean;
  /**
   * AWS accounts whose token authorizers verify this service's tokens: the table's resource policy
   * and the signing key's policy grant them exactly the authorizer's access, and the published
   * settings are shared with them through AWS RAM (as advanced-tier parameters). @default none
   */
  readonly consumerAccounts?: readonly string[];
}
