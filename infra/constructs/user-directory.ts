import { Duration, RemovalPolicy, Token, Validations } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { InvalidSettingsError } from '../settings';

/** A user pool that already exists. Its ID tokens must carry the tenant claim and the admin group. */
export interface ExistingUserPool {
  /** The id of the existing Cognito user pool, e.g. `eu-west-1_AbCdEf123`. */
  readonly userPoolId: string;
  /** An app client of that pool. @default a new client of that pool */
  readonly userPoolClientId?: string;
  /**
   * More app clients of that pool whose ID tokens the management API accepts (`aud`), e.g. your own
   * portal's. Every other client of the pool is refused. @default none
   */
  readonly moreAppClientIds?: string[];
}

/** Managed sign-in pages (OAuth 2.0 code flow with PKCE) for a browser console. */
export interface HostedSignIn {
  /** The Cognito domain prefix, `https://<prefix>.auth.<region>.amazoncognito.com`. */
  readonly domainPrefix: string;
  /** Where the managed sign-in pages may send a user back to with the authorization code. */
  readonly callbackUrls: string[];
  /** Where the managed pages may send a user back to after signing out. @default the callback URLs */
  readonly logoutUrls?: string[];
}

/** The user pool of the management API: its groups, claims, MFA and sign-in. */
export interface UserDirectoryProps {
  /** The group whose members administer tenants. @default 'pat-admins' */
  readonly adminGroup: string;
  /** A `custom:` claim, created as an immutable attribute that users cannot write. @default 'custom:tenant' */
  readonly tenantClaim: string;
  /** Use this pool instead of creating one (it keeps its own groups and attributes). @default a new pool */
  readonly existing?: ExistingUserPool;
  /** MFA of a created pool. @default cognito.Mfa.REQUIRED (TOTP) */
  readonly mfa?: cognito.Mfa;
  /**
   * `PLUS` turns on threat protection (compromised credentials, adaptive authentication), billed per
   * monthly active user. @default cognito.FeaturePlan.ESSENTIALS
   */
  readonly featurePlan?: cognito.FeaturePlan;
  /** Managed sign-in pages and the code flow on the API's client. @default none: users sign in through the API (`InitiateAuth`) */
  readonly hostedSignIn?: HostedSignIn;
}

/**
 * Who may call the management routes: a Cognito user pool whose ID tokens carry the user
 * (`cognito:username`), the tenant (a `custom:` attribute set by an administrator, never by the user)
 * and the admin group. No self sign-up: an administrator creates users into a tenant.
 */
export class UserDirectory extends Construct {
  readonly userPool: cognito.IUserPool;
  /** The app client of the API's callers (the CLI, scripts): password and SRP sign-in. */
  readonly userPoolClient: cognito.IUserPoolClient;
  private readonly tenantClaim: string;
  private hostedDomain?: cognito.UserPoolDomain;

  constructor(scope: Construct, id: string, props: UserDirectoryProps) {
    super(scope, id);
    this.tenantClaim = props.tenantClaim;
    if (props.existing) {
      checkAppClientIds(props.existing, this.node.path);
      this.userPool = cognito.UserPool.fromUserPoolId(this, 'UserPool', props.existing.userPoolId);
      this.userPoolClient = props.existing.userPoolClientId
        ? cognito.UserPoolClient.fromUserPoolClientId(this, 'Client', props.existing.userPoolClientId)
        : this.addClient(props);
      return;
    }

    const tenantAttribute = /^custom:([A-Za-z0-9_-]{1,20})$/.exec(props.tenantClaim)?.[1];
    if (!tenantAttribute) {
      throw new InvalidSettingsError(
        `tenantClaim "${props.tenantClaim}" must be a custom attribute ("custom:<name>", name of 1–20 letters, digits, _ or -) for a user pool this stack creates; import a pool to use another claim`,
      );
    }
    const mfa = props.mfa ?? cognito.Mfa.REQUIRED;
    const featurePlan = props.featurePlan ?? cognito.FeaturePlan.ESSENTIALS;
    const pool = new cognito.UserPool(this, 'UserPool', {
      selfSignUpEnabled: false,
      signInAliases: { username: true, email: true },
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      // Immutable: a user's tenant is decided once, by an administrator (AdminCreateUser).
      customAttributes: { [tenantAttribute]: new cognito.StringAttribute({ minLen: 1, maxLen: 128, mutable: false }) },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      featurePlan,
      standardThreatProtectionMode:
        featurePlan === cognito.FeaturePlan.PLUS ? cognito.StandardThreatProtectionMode.FULL_FUNCTION : undefined,
      deletionProtection: true,
      // The users and their tenants live here: never deleted with the stack.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    new cognito.CfnUserPoolGroup(this, 'AdminGroup', {
      userPoolId: pool.userPoolId,
      groupName: props.adminGroup,
      description: 'Tenant administrators: manage every token of their tenant',
    });
    if (props.hostedSignIn) {
      this.hostedDomain = pool.addDomain('Domain', { cognitoDomain: { domainPrefix: props.hostedSignIn.domainPrefix } });
    }
    this.userPool = pool;
    this.userPoolClient = this.addClient(props);

    if (mfa !== cognito.Mfa.REQUIRED) {
      Validations.of(pool).acknowledge({
        id: 'AwsSolutions-COG2',
        reason: `MFA is ${mfa} by the deployer's explicit choice (UserDirectoryProps.mfa); the default is REQUIRED.`,
      });
    }
    if (featurePlan !== cognito.FeaturePlan.PLUS) {
      Validations.of(pool).acknowledge({
        id: 'AwsSolutions-COG8',
        reason:
          'The Plus feature plan (threat protection) is billed per monthly active user; it is opt-in through featurePlan. Self sign-up is off, MFA is required by default and the password policy is strong.',
      });
    }
  }

  /** The pool's Cognito domain, if this stack made one (`hostedSignIn`, or `signInDomain`). */
  get domain(): cognito.UserPoolDomain | undefined {
    return this.hostedDomain;
  }

  /**
   * The pool's Cognito domain for the managed sign-in pages: the one `hostedSignIn` created, or a new
   * one with this prefix. A pool has at most one such domain, so every caller shares it.
   */
  signInDomain(domainPrefix: string): cognito.UserPoolDomain {
    // The same construct id as hostedSignIn's: moving between the two keeps the domain instead of replacing it.
    this.hostedDomain ??= this.userPool.addDomain('Domain', { cognitoDomain: { domainPrefix } });
    return this.hostedDomain;
  }

  /**
   * An app client for a browser console: authorization code with PKCE through the managed sign-in
   * pages and nothing else (no password, SRP or implicit flow), no secret (a browser cannot keep one).
   */
  addBrowserClient(id: string, urls: { callbackUrls: string[]; logoutUrls: string[] }): cognito.UserPoolClient {
    return new cognito.UserPoolClient(this, id, {
      userPool: this.userPool,
      generateSecret: false,
      // Only refresh-token sign-in, which Cognito always adds: no credentials ever reach the console.
      authFlows: { userPassword: false, userSrp: false, custom: false, adminUserPassword: false, user: false },
      preventUserExistenceErrors: true,
      // A console session lasts as long as its ID token; sign-in again is one redirect while the
      // Cognito session cookie lives. The console does not use the refresh token (no silent renew),
      // so it gets the shortest validity Cognito allows.
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(1),
      enableTokenRevocation: true,
      ...this.clientAttributes(),
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
        callbackUrls: urls.callbackUrls,
        logoutUrls: urls.logoutUrls,
      },
    });
  }

  /** What a client may read (the tenant, so that ID tokens carry it) and write (never the tenant). */
  private clientAttributes(): Pick<cognito.UserPoolClientProps, 'readAttributes' | 'writeAttributes'> {
    const tenantClaim = this.tenantClaim;
    return {
      // The ID token carries the tenant only if the client may read it.
      readAttributes: tenantClaim.startsWith('custom:')
        ? new cognito.ClientAttributes()
            .withStandardAttributes({ email: true, emailVerified: true, fullname: true })
            .withCustomAttributes(tenantClaim.slice('custom:'.length))
        : undefined,
      // The tenant is not writable through the client: users cannot move themselves to another tenant.
      writeAttributes: new cognito.ClientAttributes().withStandardAttributes({ fullname: true }),
    };
  }

  private addClient(props: UserDirectoryProps): cognito.UserPoolClient {
    const hosted = props.hostedSignIn;
    return new cognito.UserPoolClient(this, 'Client', {
      userPool: this.userPool,
      // A public client (browser console, CLI): no secret to leak.
      generateSecret: false,
      // USER_PASSWORD_AUTH lets the AWS CLI sign in (docs/deploy.md); SRP for SDK-based clients.
      authFlows: { userSrp: true, userPassword: true },
      preventUserExistenceErrors: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
      enableTokenRevocation: true,
      ...this.clientAttributes(),
      disableOAuth: !hosted,
      oAuth: hosted
        ? {
            flows: { authorizationCodeGrant: true },
            scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
            callbackUrls: hosted.callbackUrls,
            logoutUrls: hosted.logoutUrls ?? hosted.callbackUrls,
          }
        : undefined,
    });
  }
}

/**
 * The functions get the accepted app clients as one comma-separated list (`APP_CLIENT_IDS`): an id
 * with a comma or a blank would read as other audiences, or as none. Cognito's ClientId is `[\w+]+`,
 * 1–128 characters. Ids known only at deploy time (tokens) are Cognito's own.
 */
function checkAppClientIds(existing: ExistingUserPool, where: string): void {
  const named = [
    ...(existing.userPoolClientId === undefined ? [] : [['userPool.userPoolClientId', existing.userPoolClientId] as const]),
    ...(existing.moreAppClientIds ?? []).map((id, index) => [`userPool.moreAppClientIds[${index}]`, id] as const),
  ];
  const problems = named
    .filter(([, id]) => !Token.isUnresolved(id) && !/^[\w+]{1,128}$/.test(id))
    .map(([name, id]) => `${name}: ${JSON.stringify(id)} is not an app client id (letters, digits, _ and +, at most 128)`);
  if (problems.length > 0) throw new InvalidSettingsError(`${where}: ${problems.join('; ')}`);
}
