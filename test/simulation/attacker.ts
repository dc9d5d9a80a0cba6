import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoRevocationFeed, feedKeyOf } from '../../functions/adapters/dynamodb/dynamo-revocation-feed';
import type { DynamoTable } from '../../functions/adapters/dynamodb/dynamo-table';
import { FEED_LOOKBACK_MS } from '../../functions/domain/revocation-feed';
import type { TableAccess } from '../../infra/handlers';
import { updatedAttributes, type Item } from './expressions';
import type { Random } from './random';
import type { Scheduler } from './scheduler';
import type { Trace } from './trace';

class AccessDeniedException extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AccessDeniedException';
  }
}

const like = (pattern: string) =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );

/**
 * The IAM model of a function's grant on the table (infra/handlers.ts `TableAccess`), as DynamoDB
 * enforces it: item reads as listed, feed queries on `FEED#…` only, and each narrow UpdateItem held
 * to its partitions (`dynamodb:LeadingKeys`) and attributes (`dynamodb:Attributes`: key, update and
 * condition names). Anything else is AccessDenied. Built from the spec, so it changes with it.
 */
export function grantOf(access: TableAccess): (operation: string, input: Item) => void {
  return (operation, input) => {
    const deny = (why: string) => {
      throw new AccessDeniedException(`not authorized to perform ${operation}: ${why}`);
    };
    switch (operation) {
      case 'Get':
        if (!access.items.includes('dynamodb:GetItem')) deny('GetItem');
        return;
      case 'BatchGet':
        if (!access.items.includes('dynamodb:BatchGetItem')) deny('BatchGetItem');
        return;
      case 'Query': {
        const pk = Object.values((input.ExpressionAttributeValues as Item | undefined) ?? {})[0];
        if (input.IndexName !== undefined) {
          if (!access.queries?.includes(input.IndexName as never)) deny(`Query on ${String(input.IndexName)}`);
          return;
        }
        if (!access.feedReads || typeof pk !== 'string' || !pk.startsWith('FEED#')) deny('Query on the table outside FEED#');
        return;
      }
      case 'Put':
        if (!access.items.includes('dynamodb:PutItem')) deny('PutItem');
        return;
      case 'Update': {
        if (access.items.includes('dynamodb:UpdateItem')) return;
        const pk = String((input.Key as Item).pk);
        const context = { names: input.ExpressionAttributeNames as Record<string, string> | undefined };
        const touched = new Set(['pk', 'sk', ...updatedAttributes(String(input.UpdateExpression), context)]);
        for (const name of Object.values(context.names ?? {})) touched.add(name);
        if (input.ReturnValues !== undefined && input.ReturnValues !== 'NONE') deny('ReturnValues');
        const statement = (access.narrowUpdates ?? []).find(
          (candidate) => like(candidate.partitionKeyLike).test(pk) && [...touched].every((name) => candidate.attributes.includes(name)),
        );
        if (!statement) deny(`UpdateItem on ${pk.split('#')[0]}# touching ${[...touched].join(', ')}`);
        return;
      }
      default:
        deny(operation);
    }
  };
}

/** What the attacker would set each attribute it may write to, to do harm. */
const hostileValues: Record<string, (entry: Item) => unknown> = {
  kind: () => 'due',
  tokenId: () => '0'.repeat(32),
  at: (entry) => (entry.at as number) + 3_600_000,
};

/**
 * A compromised authorizer container: with exactly its role's grant, it follows the revocation
 * feed and rewrites every new entry with whatever its grant lets it write that does harm (a
 * `revoked` entry made `due` is skipped by every container).
 */
export class FeedAttacker {
  private readonly tampered = new Set<string>();
  private readonly feed: DynamoRevocationFeed;
  attempts = 0;
  successes = 0;

  constructor(
    private readonly table: DynamoTable,
    private readonly access: TableAccess,
    private readonly scheduler: Scheduler,
    private readonly random: Random,
    private readonly trace: Trace,
  ) {
    this.feed = new DynamoRevocationFeed(table);
  }

  async run(until: number): Promise<void> {
    while (this.scheduler.now() < until) {
      await this.scheduler.sleep(this.random.int(150, 400));
      const now = this.scheduler.now();
      let entries;
      try {
        entries = await this.feed.read(now - FEED_LOOKBACK_MS, now + 1_000);
      } catch {
        continue;
      }
      for (const entry of entries) {
        if (entry.kind === 'due' || this.tampered.has(entry.id)) continue;
        this.tampered.add(entry.id);
        const key = feedKeyOf(entry);
        const writable = Object.keys(hostileValues).filter((name) =>
          (this.access.narrowUpdates ?? []).some(
            (statement) => like(statement.partitionKeyLike).test(key.pk) && statement.attributes.includes(name),
          ),
        );
        if (writable.length === 0) continue;
        const attribute = writable.includes('kind') && this.random.chance(0.8) ? 'kind' : this.random.pick(writable);
        this.attempts++;
        try {
          await this.table.call(() =>
            this.table.documents.send(
              new UpdateCommand({
                TableName: this.table.name,
                Key: key,
                ConditionExpression: 'attribute_exists(pk)',
                UpdateExpression: 'SET #attribute = :value',
                ExpressionAttributeNames: { '#attribute': attribute },
                ExpressionAttributeValues: { ':value': hostileValues[attribute]!(entry as unknown as Item) },
              }),
            ),
          );
          this.successes++;
          this.trace.log(
            'attacker',
            `rewrote feed entry ${entry.kind} ${entry.tokenId?.slice(0, 6) ?? entry.familyId?.slice(0, 6)}: ${attribute}`,
          );
        } catch (error) {
          this.trace.log('attacker', `refused rewriting ${attribute} of a feed entry: ${(error as Error).name}`);
        }
      }
    }
  }
}
