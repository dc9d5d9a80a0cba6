import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/local-service';

/**
 * Descriptions over HTTP: JSON can carry a lone surrogate (`"\ud800"` is valid JSON text), and the
 * service must answer 400 naming `description` and write nothing, not store it for an SDK to choke
 * on later (expiry notices).
 */
let service: TestService;
let alice: string;

beforeAll(async () => {
  service = await startTestService();
  alice = await service.session('alice', 'acme');
});

afterAll(async () => {
  await service?.stop();
});

async function createRaw(json: string) {
  return service.call('POST', '/tokens', { token: alice, rawBody: json });
}

describe('POST /tokens description', () => {
  it('answers 400 naming description to a lone surrogate, and writes nothing', async () => {
    const before = await service.items();

    const response = await createRaw('{"description":"vendor \\ud83d sync","scopes":["jobs:read"]}');

    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('invalid_request');
    expect(response.body.error.details).toEqual([{ field: 'description', message: 'must be well-formed Unicode (lone surrogate U+D83D)' }]);
    expect(await service.items()).toEqual(before);
  });

  it('answers 400 to an invisible bidi override and to a control character', async () => {
    for (const description of ['pay\u202eroll', 'two\nlines']) {
      const response = await service.call('POST', '/tokens', { token: alice, body: { description, scopes: ['jobs:read'] } });
      expect([description, response.status, response.body.error.details[0].field]).toEqual([description, 400, 'description']);
    }
  });

  it('stores the NFKC form, and refuses its look-alike as a duplicate (409)', async () => {
    const created = await service.call('POST', '/tokens', {
      token: alice,
      body: { description: 'ＡＣＭＥ ﬁle sync', scopes: ['jobs:read'] },
    });
    expect(created.status).toBe(201);
    expect(created.body.description).toBe('ACME file sync');

    const duplicate = await service.call('POST', '/tokens', {
      token: alice,
      body: { description: 'acme FILE SYNC', scopes: ['jobs:read'] },
    });
    expect(duplicate.status).toBe(409);
  });

  it('the length limit counts code points: 100 emoji are accepted', async () => {
    const response = await service.call('POST', '/tokens', {
      token: alice,
      body: { description: '🔑'.repeat(100), scopes: ['jobs:read'] },
    });
    expect(response.status).toBe(201);
  });
});
