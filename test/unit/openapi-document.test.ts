import { readFileSync } from 'node:fs';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { describe, expect, it } from 'vitest';
import { exampleApiRoutes } from '../../functions/domain/routes';
import { documentedRoutes, openApiDocument } from '../../functions/http/openapi-document';
import { sessionRequest } from '../../functions/local/local-sessions';
import { serviceHandlers } from '../../infra/handlers';
import { contractProblems } from '../support/openapi-contract';

const local = { sessionRequest, exampleApiRoutes };

async function lintProblems(document: unknown) {
  // Redocly's strictest built-in ruleset: structural validity of OpenAPI 3.1 and every recommended rule as an error.
  const config = await createConfig({ extends: ['recommended-strict'] } as Parameters<typeof createConfig>[0]);
  const problems = await lintFromString({ source: JSON.stringify(document), absoluteRef: '/openapi.json', config });
  return problems.map((problem) => `${problem.ruleId} ${problem.message} at ${problem.location[0]?.pointer ?? '?'}`);
}

describe('the OpenAPI document', () => {
  it('passes Redocly\u2019s recommended-strict rules, as the deployed API serves it and as local mode does', async () => {
    expect(await lintProblems(openApiDocument())).toEqual([]);
    expect(await lintProblems(openApiDocument({ local }))).toEqual([]);
  }, 30_000);

  it('is refused by the same linter when a response names a schema that does not exist (the check bites)', async () => {
    const document = structuredClone(openApiDocument()) as unknown as {
      paths: Record<string, Record<string, { responses: Record<string, { content: Record<string, { schema: unknown }> }> }>>;
    };
    document.paths['/tokens']!.get!.responses['200']!.content['application/json']!.schema = { $ref: '#/components/schemas/TokenList' };

    expect((await lintProblems(document)).join('\n')).toMatch(/no-unresolved-refs/);
  }, 30_000);

  it('describes exactly the routes the CDK stack wires, no more and no fewer', () => {
    const wired = Object.values(serviceHandlers).flatMap((spec) => spec.routes.map((route) => `${route.method} ${route.path}`));

    expect(documentedRoutes().sort()).toEqual(wired.sort());
  });

  it('in local mode adds the development sign-in and the example API', () => {
    const extras = documentedRoutes({ local }).filter((route) => !documentedRoutes().includes(route));

    expect(extras.sort()).toEqual(['POST /local/session', ...exampleApiRoutes.map((route) => `${route.method} ${route.resource}`)].sort());
  });

  it('lists the spec\u2019s error shape for every refusal, and 429, 500 and 503 on every operation', () => {
    const { paths } = openApiDocument() as unknown as {
      paths: Record<string, Record<string, { responses: Record<string, { content: Record<string, { schema: unknown }> }> }>>;
    };
    for (const [path, methods] of Object.entries(paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const statuses = Object.keys(operation.responses);
        expect(statuses, `${method} ${path}`).toEqual(expect.arrayContaining(['429', '500', '503']));
        for (const status of statuses.filter((s) => Number(s) >= 400)) {
          const schema = operation.responses[status]!.content['application/json']!.schema;
          // The OAuth endpoints answer their 400s in OAuth's shape (RFC 6749 §5.2), as OAuth clients expect.
          if (path.startsWith('/oauth2/') && Number(status) < 429) {
            expect(schema, `${method} ${path} ${status}`).toEqual({ $ref: '#/components/schemas/OAuthError' });
            continue;
          }
          expect(schema, `${method} ${path} ${status}`).toMatchObject({
            allOf: [{ $ref: '#/components/schemas/Error' }],
          });
        }
      }
    }
  });

  it('is the one the console is built from (web/src/generated/openapi.json is up to date: run `npm run openapi`)', () => {
    const committed = JSON.parse(readFileSync(new URL('../../web/src/generated/openapi.json', import.meta.url), 'utf8'));

    expect(committed).toEqual(JSON.parse(JSON.stringify(openApiDocument({ local }))));
  });
});

describe('the contract check of recorded responses', () => {
  const token = {
    id: 'a'.repeat(32),
    owner: 'alice',
    tenant: 'acme',
    createdBy: 'alice',
    description: 'ci',
    scopes: ['candidates:read'],
    allowedIps: [],
    createdAt: '2026-01-01T00:00:00.000Z',
    expiresAt: '2026-04-01T00:00:00.000Z',
    status: 'active',
    familyId: 'a'.repeat(32),
    generation: 1,
    lastUsedAt: null,
    credentialLastUsedAt: null,
    lastUsedIps: [],
    outsidePolicy: false,
    revision: 0,
  };
  const answer = (body: unknown, status = 200, method = 'GET', path = `/tokens/${'a'.repeat(32)}`) => ({
    method,
    path,
    status,
    contentType: 'application/json; charset=utf-8',
    body,
  });

  it('accepts a documented answer', () => {
    expect(contractProblems(answer(token))).toEqual([]);
    expect(contractProblems(answer({ error: { code: 'not_found', message: 'Token not found' } }, 404))).toEqual([]);
  });

  it('names a field whose type drifted, a field that went missing and one the document does not know', () => {
    expect(contractProblems(answer({ ...token, generation: '1' })).join('\n')).toMatch(/generation must be integer/);
    const { outsidePolicy: _omitted, ...withoutField } = token;
    expect(contractProblems(answer(withoutField)).join('\n')).toMatch(/must have required property 'outsidePolicy'/);
    expect(contractProblems(answer({ ...token, secret: 'x' })).join('\n')).toMatch(/additional properties \(secret\)/);
  });

  it('refuses a status the route does not document, and an error body not in the spec\u2019s shape', () => {
    expect(contractProblems(answer({ error: { code: 'conflict', message: 'x' } }, 409)).join('\n')).toMatch(
      /409 is not a documented status of GET \/tokens\/\{id\}/,
    );
    expect(contractProblems(answer({ message: 'Not Found' }, 404)).join('\n')).toMatch(/required property 'error'/);
    expect(contractProblems(answer({ error: { code: 'forbidden', message: 'x' } }, 404)).join('\n')).toMatch(
      /error\/code must be equal to one of the allowed values/,
    );
  });

  it('holds an undocumented route to a 4xx in the error shape', () => {
    expect(contractProblems(answer({ error: { code: 'not_found', message: 'No route' } }, 404, 'GET', '/nope'))).toEqual([]);
    expect(contractProblems(answer({ ok: true }, 200, 'GET', '/nope')).join('\n')).toMatch(/does not describe/);
  });
});
