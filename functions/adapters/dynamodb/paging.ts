import { paginateQuery, QueryCommand, type QueryCommandInput, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { invalidRequest } from '../../domain/errors';
import type { Page } from '../../service/ports';
import type { DynamoTable } from './dynamo-table';
import { tableIndexes, type IndexName } from './table-layout';

export interface Filter {
  expression: string;
  names: Record<string, string>;
  values: Record<string, unknown>;
}

export interface PageRequest {
  index: IndexName;
  partition: string;
  /** The shape of the item keys a cursor of this listing may name. */
  itemKey: RegExp;
  itemSort: string;
  limit: number;
  cursor: string | undefined;
  filter: Filter | undefined;
}

/**
 * One page of an index partition, newest first. With a filter, DynamoDB may return fewer items than
 * asked per call, so this reads on until the page is full; the cursor then points after the last
 * item returned, so a filtered page never skips a match.
 */
export async function pageOf(table: DynamoTable, request: PageRequest): Promise<Page<Record<string, unknown>>> {
  const { partitionKey, sortKey } = tableIndexes[request.index];
  const base = queryOf(table, request);
  let startKey = decodeCursor(request.cursor, { partitionKey, sortKey, ...request });
  const items: Record<string, unknown>[] = [];
  do {
    const page = await table.call(() =>
      table.documents.send(new QueryCommand({ ...base, Limit: request.limit - items.length, ExclusiveStartKey: startKey })),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey && items.length < request.limit);
  const last = items[items.length - 1];
  // A full page gets a cursor only if something follows it: no empty last page.
  const more = items.length === request.limit && startKey !== undefined && (await hasMore(table, base, startKey));
  const nextCursor =
    more && last ? encodeCursor({ pk: last.pk, sk: last.sk, [partitionKey]: last[partitionKey], [sortKey]: last[sortKey] }) : null;
  return { items, nextCursor };
}

/** The query of a partition of an index, newest first, with an optional filter. */
export function queryOf(table: DynamoTable, request: Pick<PageRequest, 'index' | 'partition' | 'filter'>): QueryCommandInput {
  const { partitionKey } = tableIndexes[request.index];
  return {
    TableName: table.name,
    IndexName: request.index,
    KeyConditionExpression: '#pk = :partition',
    ExpressionAttributeNames: { '#pk': partitionKey, ...request.filter?.names },
    ExpressionAttributeValues: { ':partition': request.partition, ...request.filter?.values },
    FilterExpression: request.filter?.expression,
    ScanIndexForward: false,
  };
}

/** Every page of a query, through the SDK's paginator, each call's faults mapped like any other. */
export async function* queryPages(table: DynamoTable, input: QueryCommandInput): AsyncGenerator<QueryCommandOutput> {
  const pages = paginateQuery({ client: table.documents }, input);
  for (;;) {
    const next = await table.call(() => pages.next());
    if (next.done) return;
    yield next.value;
  }
}

/** Every item of a query, page by page. */
export async function* queryAll(table: DynamoTable, input: QueryCommandInput): AsyncGenerator<Record<string, unknown>[]> {
  for await (const page of queryPages(table, input)) yield page.Items ?? [];
}

/** Whether any (matching) item follows `from` in the partition. */
async function hasMore(table: DynamoTable, base: QueryCommandInput, from: Record<string, unknown>): Promise<boolean> {
  for await (const items of queryAll(table, { ...base, Limit: 25, ExclusiveStartKey: from })) {
    if (items.length > 0) return true;
  }
  return false;
}

function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** A cursor is only honoured for the partition it came from: a forged one cannot reach another tenant. */
function decodeCursor(
  cursor: string | undefined,
  shape: { partitionKey: string; sortKey: string; partition: string; itemKey: RegExp; itemSort: string },
): Record<string, unknown> | undefined {
  if (cursor === undefined) return undefined;
  const invalid = () =>
    invalidRequest('cursor is not valid for this query', [{ field: 'cursor', message: 'not a cursor of this listing' }]);
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof key !== 'object' || key === null || Array.isArray(key)) throw invalid();
  const entries = key as Record<string, unknown>;
  const expected = ['pk', 'sk', shape.partitionKey, shape.sortKey];
  if (Object.keys(entries).length !== 4 || !expected.every((name) => typeof entries[name] === 'string')) throw invalid();
  if (entries[shape.partitionKey] !== shape.partition || !shape.itemKey.test(entries.pk as string) || entries.sk !== shape.itemSort)
    throw invalid();
  if ((entries[shape.sortKey] as string).length > 200) throw invalid();
  return entries;
}
