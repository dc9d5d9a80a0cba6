import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DependencyUnavailable } from '../domain/errors';
import { NOTICE_SOURCE } from './notice-publishers';

/** The approval workflow's events, for a team to notify by e-mail or chat (EventBridge rules on these detail types). */
export type ApprovalEventType = 'Token Approval Requested' | 'Token Approved' | 'Token Rejected';

/** What an approval event tells: who asked for what, and what was decided. Never a secret. */
export interface ApprovalEvent {
  tenant: string;
  tokenId: string;
  owner: string;
  description: string;
  scopes: string[];
  allowedIps: string[];
  expiresAt: string | null;
  /** The token's revision the event is about (what an admin approves). */
  revision: number;
  requestedBy: string;
  justification?: string;
  decidedBy?: string;
  reason?: string;
}

export interface ApprovalEvents {
  publish(type: ApprovalEventType, event: ApprovalEvent): Promise<void>;
}

/** Puts each event on the deployment's notice bus (source `pat-service`), as the expiry notices are. */
export class EventBridgeApprovalEvents implements ApprovalEvents {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
  ) {}

  async publish(type: ApprovalEventType, event: ApprovalEvent): Promise<void> {
    let response;
    try {
      response = await this.client.send(
        new PutEventsCommand({
          Entries: [{ EventBusName: this.busName, Source: NOTICE_SOURCE, DetailType: type, Detail: JSON.stringify(event) }],
        }),
      );
    } catch (error) {
      throw new DependencyUnavailable('EventBridge', { cause: error });
    }
    if ((response.FailedEntryCount ?? 0) > 0) throw new DependencyUnavailable('EventBridge');
  }
}

/** The events of this function's deployment: EventBridge when a bus is named, else none (local mode). */
export function approvalEventsOf(busName: string | undefined): ApprovalEvents {
  return busName ? new EventBridgeApprovalEvents(new EventBridgeClient({ maxAttempts: 3 }), busName) : { publish: async () => undefined };
}

/** The event's view of a token: its terms as the admin would see them. */
export function approvalEventOf(
  token: {
    tenant: string;
    id: string;
    owner: string;
    createdBy: string;
    description: string;
    scopes: string[];
    allowedIps: string[];
    expiresAt?: string | null;
    revision: number;
    justification?: string;
  },
  decision?: { decidedBy: string; reason?: string },
): ApprovalEvent {
  return {
    tenant: token.tenant,
    tokenId: token.id,
    owner: token.owner,
    description: token.description,
    scopes: token.scopes,
    allowedIps: token.allowedIps,
    expiresAt: token.expiresAt ?? null,
    revision: token.revision,
    requestedBy: token.createdBy,
    ...(token.justification === undefined ? {} : { justification: token.justification }),
    ...(decision ? { decidedBy: decision.decidedBy, ...(decision.reason === undefined ? {} : { reason: decision.reason }) } : {}),
  };
}
