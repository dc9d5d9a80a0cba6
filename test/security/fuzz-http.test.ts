import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logger } from '../../functions/observability/logger';
import { startTestService, type TestService } from '../support/local-service';
import { describeCase, errorShapeProblem, fuzzRoute, send } from './support/fuzz-checks';
import { routes } from './support/fuzz-routes';
import { PROTOTYPE_NAMES, seeded, sessions } from './support/fuzz-values';
import { report, setHandlerLogLevel, setLogEcho, table } from './support/log-capture';

/**
 * Every management route, through the local HTTP front, with generated bodies, queries, path ids,
 * headers and identities (≥ 1000 cases per route, sent 16 at a time). Invariants:
 * - never a 5xx;
 * - every 4xx in the spec's shape `{"error": {"code", "message", "details"?}}`, its code the one
 *   that goes with its status;
 * - the table is unchanged by rejected requests: any item added or changed names a token that a
 *   successful (2xx) response of the same batch created, revoked or rotated;
 * - no answer crosses tenants, and only create and refresh answers carry secrets.
 * The generators are seeded (FUZZ_SEED overrides) so a failure reproduces; they are
 * support/fuzz-values.ts and fuzz-routes.ts, the checks support/fuzz-checks.ts.
 */

const CASES_PER_ROUTE = Number(process.env.FUZZ_CASES ?? 1_000);
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_123);

let service: TestService;
const figures: Array<[string, number, number, number, number, number, string]> = [];

beforeAll(async () => {
  setLogEcho(false); // thousands of refusals: captured and scanned, not echoed
  setHandlerLogLevel(logger, 'INFO');
  service = await startTestService();
  sessions.alice = await service.session('alice', 'acme');
  sessions.carol = await service.session('carol', 'acme', true);
  sessions.dave = await service.session('dave', 'globex', true);
  seeded.aliceActive = await service.createToken(sessions.alice, { description: 'seed active' });
  seeded.aliceRevoked = await service.createToken(sessions.alice, { description: 'seed revoked' });
  await service.call('DELETE', `/tokens/${seeded.aliceRevoked.id}`, { token: sessions.alice });
  seeded.daveActive = await service.createToken(sessions.dave, { description: 'seed globex' });
});
afterAll(async () => {
  setHandlerLogLevel(logger, 'WARN');
  await service?.stop();
});

// ---------------------------------------------------------------------------------------------

describe('HTTP fuzzing of the management routes', () => {
  for (const [index, { route, optional, cases }] of routes.entries()) {
    it(`${route}: ${CASES_PER_ROUTE} generated requests, no 5xx, errors in the spec's shape, nothing written by a rejection`, async (context) => {
      if (optional) {
        const [method, template] = route.split(' ') as [string, string];
        const probe = await fetch(`${service.url}${template.replace('{id}', '0'.repeat(32))}`, { method });
        const body = (await probe.json().catch(() => ({}))) as { error?: { message?: string } };
        if (probe.status === 404 && body.error?.message?.startsWith('No route')) context.skip();
      }
      const generated = fc.sample(cases, { numRuns: CASES_PER_ROUTE, seed: SEED + index });
      const result = await fuzzRoute(service, route, generated);

      const statuses = [...result.statuses]
        .sort(([a], [b]) => a - b)
        .map(([status, count]) => `${status}×${count}`)
        .join(' ');
      figures.push([
        route,
        result.cases,
        result.cases - (result.statuses.get(200) ?? 0) - (result.statuses.get(201) ?? 0) - (result.statuses.get(202) ?? 0),
        result.serverErrors.length,
        result.shapeProblems.length,
        result.unexplainedWrites.length,
        `${statuses} (${Math.round(result.ms)} ms)`,
      ]);

      expect(result.transportErrors.slice(0, 5)).toEqual([]);
      expect(result.serverErrors.slice(0, 5).map(({ fuzz, answer }) => `${answer.status} ← ${describeCase(fuzz)}`)).toEqual([]);
      expect(
        result.shapeProblems.slice(0, 5).map(({ fuzz, answer, problem }) => `${problem} (${answer.status}) ← ${describeCase(fuzz)}`),
      ).toEqual([]);
      expect(result.successProblems.slice(0, 5).map(({ fuzz, problem }) => `${problem} ← ${describeCase(fuzz)}`)).toEqual([]);
      expect(result.unexplainedWrites.slice(0, 5)).toEqual([]);
      // The fuzz reached past the front door: more than one kind of answer (the public JWKS has one).
      if (route.includes('jwks')) expect([...result.statuses.keys()]).toEqual([200]);
      else expect(result.statuses.size).toBeGreaterThan(1);
    }, 60_000);
  }

  afterAll(() => {
    const total = [1, 2, 3, 4, 5].map((column) => figures.reduce((sum, row) => sum + (row[column] as number), 0));
    report(
      `\nHTTP fuzzing (seed ${SEED})\n${table(['route', 'cases', 'rejected', '5xx', 'bad error shape', 'unexplained writes', 'statuses'], figures)}\n` +
        `fuzz: ${total[0]} requests on ${figures.length} routes, ${total[1]} rejected, ${total[2]} 5xx, ${total[3]} error bodies off-spec, ${total[4]} half-/unexplained writes\n`,
    );
  });
});

/** Regressions of findings this suite made (and that were fixed): each would fail again without its fix. */
describe('HTTP fuzzing: fixed findings', () => {
  it('fixed local-1: a query parameter named like an Object.prototype member is no 5xx on any route', async () => {
    const answers = await Promise.all(
      [...PROTOTYPE_NAMES].flatMap((name) =>
        ['/scopes', '/tokens', '/.well-known/jwks.json', `/tokens/${seeded.aliceActive.id}`].map(
          async (path) => (await send(service, { method: 'GET', path: `${path}?${name}=1`, who: 'alice', headers: {} })).status,
        ),
      ),
    );
    expect(answers.filter((status) => status >= 500)).toEqual([]);
  });

  it('fixed local-2: a path id with malformed percent-encoding is a 4xx in the spec shape, not a 500', async () => {
    for (const id of ['%', '%zz', '%E0%A4%A', '%C0']) {
      for (const method of ['GET', 'DELETE']) {
        const answer = await send(service, { method, path: `/tokens/${id}`, who: 'alice', headers: {} });
        expect(answer.status, `${method} /tokens/${id}`).toBeLessThan(500);
        expect(errorShapeProblem(answer)).toBeUndefined();
      }
    }
  });
});
