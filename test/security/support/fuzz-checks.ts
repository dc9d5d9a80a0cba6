import { errorStatus } from '../../../functions/domain/errors';
import type { TestService } from '../../support/local-service';
import { authorizationOf, tenantOf } from './fuzz-values';
import type { FuzzCase } from './fuzz-routes';

/**
 * How the HTTP fuzz sends its cases (16 at a time) and judges the answers: the spec's error shape,
 * successes that cross tenants or carry secrets, and items written that no 2xx explains.
 */

const CONCURRENCY = 16;

export interface Answer {
  status: number;
  body: unknown;
  contentType: string;
}

export async function send(service: TestService, fuzz: FuzzCase): Promise<Answer> {
  const authorization = authorizationOf(fuzz.who);
  const response = await fetch(`${service.url}${fuzz.path}`, {
    method: fuzz.method,
    headers: { ...fuzz.headers, ...(authorization ? { authorization } : {}) },
    body: fuzz.body,
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    // not JSON: reported by the shape check
  }
  return { status: response.status, body, contentType: response.headers.get('content-type') ?? '' };
}

/** What is wrong with an error answer, or undefined when it has the spec's shape and pairing. */
export function errorShapeProblem(answer: Answer): string | undefined {
  const { status, body } = answer;
  if (!answer.contentType.startsWith('application/json')) return `content-type ${answer.contentType}`;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'body is not a JSON object';
  if (Object.keys(body).join() !== 'error') return `top-level keys ${Object.keys(body).join()}`;
  const error = (body as { error: Record<string, unknown> }).error;
  if (typeof error !== 'object' || error === null) return 'error is not an object';
  const extra = Object.keys(error).filter((key) => !['code', 'message', 'details'].includes(key));
  if (extra.length > 0) return `unexpected keys ${extra.join()}`;
  if (typeof error.code !== 'string' || !(error.code in errorStatus)) return `unknown code ${String(error.code)}`;
  if (errorStatus[error.code as keyof typeof errorStatus] !== status) return `code ${error.code} with status ${status}`;
  if (typeof error.message !== 'string' || error.message.length === 0) return 'message missing';
  if (error.details !== undefined) {
    if (!Array.isArray(error.details) || error.details.length === 0) return 'details not a non-empty array';
    if (
      !error.details.every(
        (d: unknown) =>
          typeof d === 'object' &&
          d !== null &&
          typeof (d as { field?: unknown }).field === 'string' &&
          typeof (d as { message?: unknown }).message === 'string',
      )
    ) {
      return 'details entries are not {field, message}';
    }
  }
  return undefined;
}

/** Token ids a successful answer legitimately wrote (created, revoked, rotated). */
function writtenIds(fuzz: FuzzCase, answer: Answer): string[] {
  if (answer.status >= 300 || typeof answer.body !== 'object' || answer.body === null) return [];
  const id = (answer.body as { id?: unknown }).id;
  if (fuzz.method === 'POST' && fuzz.path.startsWith('/tokens/refresh')) {
    const presented = /"refreshKey":"patr_([0-9a-f]{32})_/.exec(fuzz.body ?? '')?.[1];
    return [id, presented].filter((value): value is string => typeof value === 'string');
  }
  if ((fuzz.method === 'POST' && /^\/tokens(\?|$)/.test(fuzz.path)) || fuzz.method === 'DELETE') return typeof id === 'string' ? [id] : [];
  return [];
}

/** What a success leaked across tenants or owners, or which secret it carried that it should not. */
function successProblem(fuzz: FuzzCase, answer: Answer): string | undefined {
  const text = JSON.stringify(answer.body ?? null);
  const issuing = fuzz.method === 'POST' && (/^\/tokens(\?|$)/.test(fuzz.path) || fuzz.path.startsWith('/tokens/refresh'));
  if (!issuing && /"(accessToken|refreshKey)"/.test(text)) return 'a secret in an answer that is not create or refresh';
  const tenant = tenantOf[fuzz.who];
  const records: Array<{ tenant?: unknown; owner?: unknown }> = [];
  const body = answer.body as { items?: unknown[]; tenant?: unknown } | undefined;
  if (Array.isArray(body?.items)) records.push(...(body!.items as Array<{ tenant?: unknown }>));
  else if (body && typeof body === 'object' && 'tenant' in body) records.push(body);
  for (const record of records) {
    if (record.tenant !== undefined && tenant !== undefined && record.tenant !== tenant)
      return `answered a record of tenant ${String(record.tenant)} to ${fuzz.who}`;
    if (fuzz.who === 'alice' && record.owner !== undefined && record.owner !== 'alice' && fuzz.method === 'GET')
      return `answered ${String(record.owner)}'s record to alice`;
  }
  return undefined;
}

const itemKey = (item: Record<string, unknown>) => `${JSON.stringify(item.pk)}|${JSON.stringify(item.sk)}`;

export interface BatchResult {
  route: string;
  cases: number;
  statuses: Map<number, number>;
  serverErrors: Array<{ fuzz: FuzzCase; answer: Answer }>;
  shapeProblems: Array<{ fuzz: FuzzCase; answer: Answer; problem: string }>;
  successProblems: Array<{ fuzz: FuzzCase; problem: string }>;
  unexplainedWrites: string[];
  transportErrors: string[];
  ms: number;
}

export async function fuzzRoute(service: TestService, route: string, cases: FuzzCase[]): Promise<BatchResult> {
  const before = new Map((await service.items()).map((item) => [itemKey(item), JSON.stringify(item)]));
  const result: BatchResult = {
    route,
    cases: cases.length,
    statuses: new Map(),
    serverErrors: [],
    shapeProblems: [],
    successProblems: [],
    unexplainedWrites: [],
    transportErrors: [],
    ms: 0,
  };
  const written = new Set<string>();
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < cases.length) {
        const fuzz = cases[next++]!;
        let answer: Answer;
        try {
          answer = await send(service, fuzz);
        } catch (error) {
          result.transportErrors.push(`${fuzz.method} ${fuzz.path.slice(0, 80)}: ${(error as Error).message}`);
          continue;
        }
        result.statuses.set(answer.status, (result.statuses.get(answer.status) ?? 0) + 1);
        if (answer.status >= 500) result.serverErrors.push({ fuzz, answer });
        if (answer.status >= 400) {
          const problem = errorShapeProblem(answer);
          if (problem) result.shapeProblems.push({ fuzz, answer, problem });
        } else {
          const problem = successProblem(fuzz, answer);
          if (problem) result.successProblems.push({ fuzz, problem });
          for (const id of writtenIds(fuzz, answer)) written.add(id);
        }
      }
    }),
  );
  result.ms = performance.now() - started;
  const after = await service.items();
  const afterKeys = new Set(after.map(itemKey));
  for (const item of after) {
    const previous = before.get(itemKey(item));
    const now = JSON.stringify(item);
    if (previous === now) continue;
    // An item that names a written token now, or named it before (the owner's places lose a revoked
    // credential's entry), was written by a 2xx.
    if (![...written].some((id) => now.includes(id) || previous?.includes(id)))
      result.unexplainedWrites.push(`${previous === undefined ? 'added' : 'changed'} ${itemKey(item)}`);
  }
  for (const key of before.keys()) if (!afterKeys.has(key)) result.unexplainedWrites.push(`deleted ${key}`);
  return result;
}

export const describeCase = (fuzz: FuzzCase) =>
  `${fuzz.method} ${fuzz.path.slice(0, 100)} as ${fuzz.who}${fuzz.body === undefined ? '' : ` body ${fuzz.body.slice(0, 100)}`}`;
