/**
 * The audit log's rules, without React or the DOM (unit-tested): event words, the filters the page
 * applies itself, and the CSV export.
 */

import type { components } from './generated/api-types';

/** One event as `GET /audit` answers it: the AuditEvent of the service's OpenAPI document (`npm run openapi` writes the types). */
export type AuditEvent = components['schemas']['AuditEvent'];

const actionText: Record<AuditEvent['action'], string> = {
  'token.created': 'Created',
  'token.revoked': 'Revoked',
  'token.refreshed': 'Refreshed',
  'token.reuse_detected': 'Refresh key reused: credential revoked',
  'token.leak_revoked': 'Revoked after a leak report',
  'token.regenerated': 'Regenerated',
  'token.edited': 'Edited',
  'token.approved': 'Approved',
  'token.rejected': 'Rejected',
  'tenant.policy_changed': 'Tenant policy changed',
  'authorization.denied': 'Call refused',
};

export const auditActions = Object.keys(actionText) as AuditEvent['action'][];

/** An audit action in words: "Refreshed", "Call refused". */
export const actionWords = (action: AuditEvent['action']): string => actionText[action] ?? action;

/** Who did it: a person, the vendor's key (a token), or nobody signed in. */
export function actorWords(event: AuditEvent): string {
  if (event.actor.type === 'anonymous') return 'anonymous';
  if (event.actor.type === 'token') return event.actor.id ? `token ${event.actor.id.slice(0, 8)}…` : 'a token';
  return event.actor.id ? revokerWords(event.actor.id) : 'a user';
}

/** `details` as "reason: rotated · scopes: a, b". */
export const detailsWords = (event: AuditEvent): string =>
  Object.entries(event.details ?? {})
    .map(([key, value]) => `${key}: ${Array.isArray(value) ? value.join(', ') : String(value)}`)
    .join(' · ');

/** Who revoked or acted, in words: a rotation is done by `refresh:<successor id>`, i.e. by the refresh key. */
export function revokerWords(id: string): string {
  if (id.startsWith('refresh:')) return 'the vendor’s refresh key';
  if (id === 'reuse-detection') return 'reuse detection';
  if (id === 'leak-report') return 'a leak report';
  return id;
}

export interface AuditFilter {
  owner: string;
  tokenId: string;
  action: '' | AuditEvent['action'];
  /** `YYYY-MM-DD`, inclusive, UTC days. */
  from: string;
  to: string;
}

export const emptyFilter: AuditFilter = { owner: '', tokenId: '', action: '', from: '', to: '' };

/**
 * The events a filter keeps. Owner and credential are filtered by the service (`GET /audit?owner=&tokenId=`);
 * event type and time here, over the pages read (the API has no such parameters).
 */
export function filterEvents(events: readonly AuditEvent[], filter: AuditFilter): AuditEvent[] {
  const from = filter.from ? Date.parse(`${filter.from}T00:00:00Z`) : Number.NEGATIVE_INFINITY;
  const to = filter.to ? Date.parse(`${filter.to}T00:00:00Z`) + 86_400_000 : Number.POSITIVE_INFINITY;
  return events.filter((event) => {
    const at = Date.parse(event.at);
    return (filter.action === '' || event.action === filter.action) && at >= from && at < to;
  });
}

const csvCell = (value: string) => {
  // A leading =, +, - or @ would be a formula in a spreadsheet: quote it as text.
  const safe = /^[=+\-@]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

/** The events as CSV (RFC 4180), one line per event, with a header. */
export function auditCsv(events: readonly AuditEvent[]): string {
  const header = ['time', 'event', 'action', 'owner', 'tokenId', 'actorType', 'actorId', 'sourceIp', 'details'];
  const rows = events.map((event) => [
    event.at,
    actionWords(event.action),
    event.action,
    event.owner,
    event.tokenId,
    event.actor.type,
    event.actor.id ?? '',
    event.sourceIp ?? '',
    detailsWords(event),
  ]);
  return `${[header, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n')}\r\n`;
}
