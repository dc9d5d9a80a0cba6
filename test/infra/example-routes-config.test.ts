import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/service-app';
import { testApp } from './synth';

const dir = mkdtempSync(join(tmpdir(), 'pat-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Construction only (no synth): the routes the example stack's authorizer protects.
describe("the configuration file's exampleApi.routes", () => {
  it("replaces the example stack's routes, scopes declared or derived", () => {
    const file = join(dir, 'pat.config.json');
    writeFileSync(
      file,
      JSON.stringify({
        catalogue: [
          { name: 'orders', description: 'Orders' },
          { name: 'invoices', description: 'Invoices' },
        ],
        exampleApi: {
          routes: [
            { method: 'GET', resource: '/shop/orders', scope: 'orders:read' },
            { method: 'POST', resource: '/shop/invoices/{id}' },
          ],
        },
      }),
    );
    const { app, cleanup } = testApp({ config: file });

    const { example } = buildApp(app);

    expect(example!.authorizer.routes).toEqual([
      { method: 'GET', resource: '/shop/orders', scope: 'orders:read' },
      { method: 'POST', resource: '/shop/invoices/{id}', scope: 'invoices:write' },
    ]);
    cleanup();
  });
});
