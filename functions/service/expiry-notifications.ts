import { familyStartOf } from '../domain/credential-life';
import type { TokenRecord } from '../domain/token';
import type { Clock, ExpiryIndex } from './ports';

/** One `Token Expiring` notice: enough for an owner or admin to act, never a secret. */
export interface ExpiryNotice {
  tokenId: string;
  tenant: string;
  owner: string;
  description: string;
  expiresAt: string;
  /** The horizon this notice is for: the token expires within this many days. */
  horizonDays: number;
  daysLeft: number;
  /**
   * The credential's absolute end (`maxCredentialAgeDays` after its first token's creation), when the
   * deployment bounds it: past it no refresh renews the token, a person must issue a new one.
   */
  credentialEndsAt?: string;
}

/** Sends one notice; throws if it could not be handed over (the notifier then retries it next run). */
export interface NoticePublisher {
  publish(notice: ExpiryNotice): Promise<void>;
}

/** What a run could not send: each was released and is retried by the next run. */
export interface FailedNotice {
  notice: ExpiryNotice;
  error: unknown;
}

const DAY = 86_400_000;

/** The tightest horizon a token has entered, e.g. 6 days left → 7 with horizons [30, 7, 1]. */
export function horizonOf(expiresAt: number, now: number, horizonsDays: readonly number[]): number | undefined {
  const left = expiresAt - now;
  if (left <= 0) return undefined;
  return [...horizonsDays].sort((a, b) => a - b).find((days) => left <= days * DAY);
}

/**
 * The daily run: tokens entering an expiry horizon (default 30, 7 and 1 days) are announced once
 * per horizon. Each notice is handled on its own: its horizon is claimed in the table before it is
 * published, so two runs never both send it, and released if publishing it fails, so the next run
 * retries it. One notice that cannot be sent (a poisoned description, a throttled call) is reported
 * and released, never stops the run: the tenants after it are still notified, and the ones before
 * it are not notified again.
 */
export class ExpiryNotifier {
  constructor(
    private readonly deps: {
      store: ExpiryIndex;
      publisher: NoticePublisher;
      clock: Clock;
      horizonsDays: readonly number[];
      /** The deployment's `maxCredentialAgeDays`: each notice then names the credential's absolute end. */
      maxCredentialAgeDays?: number | null;
    },
  ) {}

  /** Sends what is due. Store faults (claiming) throw; a notice that fails to publish is reported in `failed`. */
  async run(): Promise<{ sent: ExpiryNotice[]; failed: FailedNotice[] }> {
    const { store, publisher, clock, horizonsDays } = this.deps;
    const now = clock.now();
    const widest = Math.max(...horizonsDays);
    const candidates = await store.expiringBetween(now + 1, now + widest * DAY + 1);
    const sent: ExpiryNotice[] = [];
    const failed: FailedNotice[] = [];
    for (const token of candidates) {
      const notice = this.noticeFor(token, now);
      if (!notice || token.notifiedHorizons?.includes(notice.horizonDays)) continue;
      if (!(await store.markNotified(token.id, notice.horizonDays))) continue;
      try {
        await publisher.publish(notice);
        sent.push(notice);
      } catch (error) {
        // Released so that the next run retries it. If the release fails too, the horizon stays
        // claimed and this notice is lost (reported below): at most once, never twice.
        await store.unmarkNotified(notice.tokenId, notice.horizonDays).catch(() => undefined);
        failed.push({ notice, error });
      }
    }
    return { sent, failed };
  }

  private noticeFor(token: TokenRecord, now: number): ExpiryNotice | undefined {
    if (token.state !== 'active' || token.expiresAt === null) return undefined;
    const horizonDays = horizonOf(token.expiresAt, now, this.deps.horizonsDays);
    if (horizonDays === undefined) return undefined;
    return {
      tokenId: token.id,
      tenant: token.tenant,
      owner: token.owner,
      description: token.description,
      expiresAt: new Date(token.expiresAt).toISOString(),
      horizonDays,
      daysLeft: Math.floor((token.expiresAt - now) / DAY),
      ...(this.deps.maxCredentialAgeDays
        ? { credentialEndsAt: new Date(familyStartOf(token) + this.deps.maxCredentialAgeDays * DAY).toISOString() }
        : {}),
    };
  }
}
