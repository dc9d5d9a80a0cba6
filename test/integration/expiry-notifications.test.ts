import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SNS_SUBJECT_MAX, SnsPublisher, snsSubjectOf } from '../../functions/adapters/notice-publishers';
import { ExpiryNotifier, horizonOf, type ExpiryNotice } from '../../functions/service/expiry-notifications';
import { freshTable } from '../support/dynamo';
import { DAY, ManualClock, tokenService, user } from '../support/fixtures';

let table: Awaited<ReturnType<typeof freshTable>>;
let sns: FakeSns;

beforeAll(async () => {
  table = await freshTable('expiry');
  sns = await startFakeSns();
});

afterAll(async () => {
  await sns?.stop();
});

/**
 * A real HTTP server on loopback that speaks SNS's query protocol for Publish and applies the
 * documented Subject rules (no line breaks or control characters, less than 100 characters), so
 * the real SDK serializes, signs and sends each request, and a bad subject is answered as SNS would.
 */
interface FakeSns {
  endpoint: string;
  published: Array<Record<string, string>>;
  stop(): Promise<void>;
}

async function startFakeSns(): Promise<FakeSns> {
  const published: Array<Record<string, string>> = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const fields = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      const subject = fields.Subject ?? '';
      const invalid = fields.Action !== 'Publish' || [...subject].length >= 100 || /[\p{Cc}\p{Zl}\p{Zp}]/u.test(subject);
      response.setHeader('content-type', 'text/xml');
      if (invalid) {
        response.statusCode = 400;
        response.end(
          '<ErrorResponse><Error><Type>Sender</Type><Code>InvalidParameter</Code><Message>Invalid parameter: Subject</Message></Error><RequestId>r</RequestId></ErrorResponse>',
        );
        return;
      }
      published.push(fields);
      response.end(
        `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>m-${published.length}</MessageId></PublishResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></PublishResponse>`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    published,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const snsClient = () =>
  new SNSClient({
    endpoint: sns.endpoint,
    region: 'local',
    maxAttempts: 1,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });

/** Writes a description straight into a token's item, as data stored before descriptions were validated. */
async function storeRawDescription(tokenId: string, description: string): Promise<void> {
  await table.client.send(
    new UpdateItemCommand({
      TableName: table.tableName,
      Key: { pk: { S: `TOKEN#${tokenId}` }, sk: { S: 'TOKEN' } },
      UpdateExpression: 'SET description = :d',
      ExpressionAttributeValues: { ':d': { S: description } },
    }),
  );
}

describe('expiry horizons', () => {
  it.each([
    [40 * DAY, undefined],
    [30 * DAY, 30],
    [29 * DAY, 30],
    [7 * DAY, 7],
    [6 * DAY, 7],
    [DAY, 1],
    [20 * 3_600_000, 1],
    [0, undefined],
    [-DAY, undefined],
  ])('a token expiring in %i ms is in horizon %s', (left, horizon) => {
    expect(horizonOf(1_000_000_000_000 + left, 1_000_000_000_000, [30, 7, 1])).toBe(horizon);
  });
});

describe('expiry notifications', () => {
  it('notifies the tokens entering a horizon, once, and nothing on a second run', async () => {
    const clock = new ManualClock();
    const { service } = tokenService(table.store, clock);
    const create = (description: string, expiresIn: number) =>
      service.create(user('nora', 'notify-tenant'), {
        description,
        scopes: ['jobs:read'],
        expiresAt: new Date(clock.now() + expiresIn).toISOString(),
      });
    await create('expired', DAY);
    clock.advance(2 * DAY); // `expired` expired a day ago
    const in40d = await create('in 40 days', 40 * DAY);
    const in29d = await create('in 29 days', 29 * DAY);
    await create('in 6 days', 6 * DAY);
    await create('in 20 hours', 20 * 3_600_000);
    const revoked = await create('revoked', 5 * DAY);
    await service.revoke(user('nora', 'notify-tenant'), revoked.id);

    const sent: ExpiryNotice[] = [];
    const notifier = new ExpiryNotifier({
      store: table.store,
      clock,
      horizonsDays: [30, 7, 1],
      publisher: { publish: async (notice) => void sent.push(notice) },
    });
    const first = (await notifier.run()).sent;
    const second = (await notifier.run()).sent;

    expect(first.map((notice) => `${notice.description} → ${notice.horizonDays}`).sort()).toEqual([
      'in 20 hours → 1',
      'in 29 days → 30',
      'in 6 days → 7',
    ]);
    expect(first.every((notice) => notice.tenant === 'notify-tenant' && notice.owner === 'nora')).toBe(true);
    expect(second).toEqual([]);
    expect(sent).toHaveLength(3);

    clock.advance(23 * DAY); // 6 and 17 days left: a 7-day notice and a first 30-day notice are new
    const third = (await notifier.run()).sent;
    expect(third.map((notice) => `${notice.tokenId} → ${notice.horizonDays}`).sort()).toEqual(
      [`${in29d.id} → 7`, `${in40d.id} → 30`].sort(),
    );
  });

  it('releases the claim when publishing fails, so that the next run retries', async () => {
    const clock = new ManualClock();
    const { service } = tokenService(table.store, clock);
    const token = await service.create(user('otto', 'retry-tenant'), {
      description: 'soon',
      scopes: ['jobs:read'],
      expiresAt: new Date(clock.now() + 3 * DAY).toISOString(),
    });
    let fail = true;
    const notifier = new ExpiryNotifier({
      store: table.store,
      clock,
      horizonsDays: [30, 7, 1],
      publisher: {
        publish: async () => {
          if (fail) throw new Error('EventBridge down');
        },
      },
    });

    const failedRun = await notifier.run();
    expect(failedRun.failed.map((failure) => [failure.notice.tokenId, (failure.error as Error).message])).toContainEqual([
      token.id,
      'EventBridge down',
    ]);
    fail = false;
    const retried = (await notifier.run()).sent;
    expect(retried.filter((notice) => notice.tokenId === token.id).map((notice) => notice.horizonDays)).toEqual([7]);
  });
});

describe('one notice at a time', () => {
  it('a notice that fails is released and reported; the tenants after it are notified, the ones before it not again', async () => {
    const clock = new ManualClock();
    const { service } = tokenService(table.store, clock);
    const tokens = [];
    for (const tenant of ['iso-a', 'iso-b', 'iso-c', 'iso-d']) {
      tokens.push(
        await service.create(user('ivy', tenant), {
          description: `for ${tenant}`,
          scopes: ['jobs:read'],
          expiresAt: new Date(clock.now() + 5 * DAY).toISOString(),
        }),
      );
    }
    const poisoned = tokens[1]!.id;
    const attempts: string[] = [];
    let poison = true;
    const notifier = new ExpiryNotifier({
      store: table.store,
      clock,
      horizonsDays: [30, 7, 1],
      publisher: {
        publish: async (notice) => {
          if (!notice.tenant.startsWith('iso-')) return;
          attempts.push(notice.tokenId);
          if (poison && notice.tokenId === poisoned) throw new URIError('URI malformed');
        },
      },
    });
    const ours = (notices: ExpiryNotice[]) =>
      notices
        .filter((notice) => notice.tenant.startsWith('iso-'))
        .map((notice) => notice.tokenId)
        .sort();

    const first = await notifier.run();
    poison = false;
    const second = await notifier.run();
    const third = await notifier.run();

    expect(ours(first.sent)).toEqual(
      tokens
        .filter((token) => token.id !== poisoned)
        .map((token) => token.id)
        .sort(),
    );
    expect(first.failed.map((failure) => failure.notice.tokenId)).toEqual([poisoned]);
    expect(ours(second.sent)).toEqual([poisoned]); // released, so retried; nobody else notified twice
    expect(ours(third.sent)).toEqual([]);
    expect(attempts.filter((id) => id === poisoned)).toHaveLength(2);
    expect(attempts).toHaveLength(5);
  });
});

describe('SNS subjects', () => {
  const notice = (description: string, daysLeft = 6) => ({ description, daysLeft });
  const isWellFormed = (text: string) => !/\p{Cs}/u.test(text);

  it("never split an emoji at the cut, whatever the description's length", () => {
    for (let pad = 0; pad < 120; pad++) {
      for (const emoji of ['😀', '👩\u200d💻', '🇫🇷', 'é']) {
        const subject = snsSubjectOf(notice(`${'x'.repeat(pad)}${emoji.repeat(3)}`));
        expect(isWellFormed(subject), `pad ${pad} ${emoji}`).toBe(true);
        expect(subject.length).toBeLessThanOrEqual(SNS_SUBJECT_MAX);
        expect(subject).toMatch(/^Token Expiring: ".*" in 6 days$/u);
        // What is kept of the emoji is whole: either all of a sequence or none of it.
        const kept = subject.slice('Token Expiring: "'.length, subject.lastIndexOf('"')).replace(/^x*/, '').replace(/…$/, '');
        expect(kept.split(emoji).join(''), `pad ${pad} ${emoji}`).toBe('');
      }
    }
  });

  it('replace lone surrogates, line breaks and controls of stored text, and keep short descriptions whole', () => {
    expect(snsSubjectOf(notice('vendor \ud83d sync'))).toBe('Token Expiring: "vendor \ufffd sync" in 6 days');
    expect(snsSubjectOf(notice('two\r\nlines\u2028and\u0007bell'))).toBe('Token Expiring: "two lines and bell" in 6 days');
    expect(snsSubjectOf(notice('pay\u202eroll'))).toBe('Token Expiring: "payroll" in 6 days');
    expect(snsSubjectOf(notice('Straße ☕'))).toBe('Token Expiring: "Straße ☕" in 6 days');
    expect(snsSubjectOf(notice('😀'.repeat(100))).length).toBeLessThanOrEqual(SNS_SUBJECT_MAX);
  });
});

describe('expiry notices through SNS (real SDK, real HTTP)', () => {
  it('publishes stored descriptions that broke the SDK (a lone surrogate, an emoji at the cut), and every tenant after them', async () => {
    const clock = new ManualClock();
    const { service } = tokenService(table.store, clock);
    const create = (tenant: string) =>
      service.create(user('sam', tenant), {
        description: `token of ${tenant}`,
        scopes: ['jobs:read'],
        expiresAt: new Date(clock.now() + 3 * DAY).toISOString(),
      });
    const surrogate = await create('sns-1');
    const emojiAtCut = await create('sns-2');
    const plain = await create('sns-3');
    await storeRawDescription(surrogate.id, 'sync \ud800 agent');
    // The old subject, `Token Expiring: "…" in N days`.slice(0, 100), ended inside this emoji.
    await storeRawDescription(emojiAtCut.id, `${'y'.repeat(82)}😀 tail`);
    const publisher = new SnsPublisher(snsClient, 'arn:aws:sns:eu-west-1:111122223333:pat-expiry');
    const notifier = new ExpiryNotifier({ store: table.store, clock, horizonsDays: [30, 7, 1], publisher });
    sns.published.length = 0;

    const run = await notifier.run();

    expect(run.failed.map((failure) => [failure.notice.tenant, String(failure.error), String((failure.error as Error).cause)])).toEqual([]);
    const byTenant = new Map(sns.published.map((fields) => [fields['MessageAttributes.entry.1.Value.StringValue'], fields]));
    expect([...byTenant.keys()].filter((tenant) => tenant?.startsWith('sns-')).sort()).toEqual(['sns-1', 'sns-2', 'sns-3']);
    const daysLeft = JSON.parse(byTenant.get('sns-1')!.Message!).daysLeft as number;
    expect(daysLeft).toBeLessThan(10); // one digit, as the cut below assumes
    expect(byTenant.get('sns-1')!.Subject).toBe(`Token Expiring: "sync \ufffd agent" in ${daysLeft} days`);
    expect(byTenant.get('sns-2')!.Subject).toBe(`Token Expiring: "${'y'.repeat(70)}…" in ${daysLeft} days`);
    expect(JSON.parse(byTenant.get('sns-3')!.Message!)).toMatchObject({ tokenId: plain.id, tenant: 'sns-3' });
    // Each message carries its own tenant's token, and no other.
    for (const [tenant, fields] of byTenant) expect(JSON.parse(fields.Message!).tenant).toBe(tenant);
  });

  it('after a failure mid-serialization, the next notice goes out on a fresh client, carrying only its own fields', async () => {
    const clients: SNSClient[] = [];
    const destroyed: SNSClient[] = [];
    const newClient = () => {
      const client = snsClient();
      if (clients.length === 0) {
        // The first client's serializer fails, as the SDK's did on a lone surrogate.
        client.middlewareStack.add(
          () => async () => {
            throw new URIError('URI malformed');
          },
          { step: 'serialize', name: 'poisonedSerializer' },
        );
      }
      const destroy = client.destroy.bind(client);
      client.destroy = () => {
        destroyed.push(client);
        destroy();
      };
      clients.push(client);
      return client;
    };
    const publisher = new SnsPublisher(newClient, 'arn:aws:sns:eu-west-1:111122223333:pat-expiry');
    const base = { expiresAt: '2027-01-01T00:00:00.000Z', horizonDays: 7, daysLeft: 6, owner: 'olga' };
    sns.published.length = 0;

    await expect(
      publisher.publish({ ...base, tokenId: 'a'.repeat(32), tenant: 'tenant-a', description: 'secret plans of A' }),
    ).rejects.toThrow();
    await publisher.publish({ ...base, tokenId: 'b'.repeat(32), tenant: 'tenant-b', description: 'B' });

    expect(clients).toHaveLength(2);
    expect(destroyed).toEqual([clients[0]]);
    expect(sns.published).toHaveLength(1);
    const body = JSON.stringify(sns.published[0]);
    expect(body).not.toContain('tenant-a');
    expect(body).not.toContain('secret plans of A');
    expect(sns.published[0]!.Subject).toBe('Token Expiring: "B" in 6 days');
  });
});
