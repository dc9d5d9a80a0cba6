import { Logger } from '@aws-lambda-powertools/logger';

/**
 * One structured logger per function. Events are never logged (`logEvent` stays off): they carry
 * bearer tokens and refresh keys. Log token ids, never tokens.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'pat-service' });
