/**
 * What other stacks use: the service construct and stack, and the authorizer that protects their own
 * REST APIs with personal access tokens.
 */
export { PatService, type PatServiceProps, type ExpiryNotificationsProps } from './constructs/pat-service';
export { PatServiceStack, type PatServiceStackProps } from './pat-service-stack';
export {
  TokenAuthorizer,
  type TokenAuthorizerProps,
  type TokenMethodOptions,
  type TokenVerification,
  type TokenVerificationAttributes,
} from './constructs/token-authorizer';
export { WebConsole, type WebConsoleOptions, type ConsoleCustomDomain } from './constructs/web-console';
export { addErrorResponses } from './constructs/error-responses';
export { InvalidSettingsError, type TokenServiceSettings } from './settings';
export type { WafRateLimit } from './constructs/rate-limit';
export {
  HttpTokenAuthorizer,
  type HttpTokenAuthorizerProps,
  type HttpTokenRouteOptions,
} from './constructs/http-token-authorizer';
export {
  importTokenVerification,
  PublishedVerification,
  verificationParameters,
  type VerificationParametersLookup,
} from './constructs/published-settings';
export {
  monitorTokenAuthorizer,
  ServiceMonitoring,
  type ServiceMonitoringProps,
  type TokenAuthorizerMonitoringOptions,
} from './constructs/service-monitoring';
export { emittedMetrics, metricNamespace, serviceDimension } from './constructs/service-metrics';
export { RevocationCanary, type RevocationCanaryProps } from './constructs/revocation-canary';
