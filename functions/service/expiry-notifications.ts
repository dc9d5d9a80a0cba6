import type { TokenRecord } from '../domain/token';
import type { Clock, TokenStore } from './ports';

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
}

export interface NoticePublisher {
  publish(notices: ExpiryNotice[]): Promise<void>;
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
 * per horizon. The horizon is claimed in the table before publishing, so two runs never both send;
 * a failed publish releases the claim so that the next run retries.
 */
export class ExpiryNotifier {
  constructor(
    private readonly deps: {
      store: Pick<TokenStore, 'expiringBetween' | 'markNotified' | 'unmarkNotified'>;
      publisher: NoticePublisher;
      clock: Clock;
      horizonsDays: readonly number[];
    },
  ) {}

  async run(): Promise<ExpiryNotice[]> {
    const { store, publisher, clock, horizonsDays } = this.deps;
    const now = clock.now();
    const widest = Math.max(...horizonsDays);
    const candidates = await store.expiringBetween(now + 1, now + widest * DAY + 1);
    const notices: ExpiryNotice[] = [];
    for (const token of candidates) {
      const notice = this.noticeFor(token, now);
      if (!notice || token.notifiedHorizons?.includes(notice.horizonDays)) continue;
      if (await store.markNotified(token.id, notice.horizonDays)) notices.push(notice);
    }
    if (notices.length === 0) return [];
    try {
      await publisher.publish(notices);
    } catch (error) {
      await Promise.allSettled(notices.map((notice) => store.unmarkNotified(notice.tokenId, notice.horizonDays)));
      throw error;
    }
    return notices;
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
    };
  }
}
