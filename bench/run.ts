/**
 * `npm run bench`: the authorizer's hot path against the floor of ES256 verification, in one run on
 * one machine, so the figures are ratios that carry over between machines.
 *   (a) bare crypto.verify of an ES256 JWT signature (KeyObject, IEEE P1363)
 *   (b) jose jwtVerify, awaited one by one
 *   (c) the authorizer Lambda handler, warm (token status cached)
 *   (d) the authorizer decision with a cold status cache: one DynamoDB Local read per call
 * then the init of every function bundle (bench/cold-start.ts: import on Node.js 22, SDK bundled as
 * deployed and left external, alternating runs) with its size; then the revocation model's counters (bench/revocation-model.ts): invocations, DynamoDB and KMS
 * calls per token per hour, new defaults against old, steady and under a revocation storm.
 */
import { createPublicKey, verify } from 'node:crypto';
import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLocalJWKSet, jwtVerify } from 'jose';
import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { dynamoClient } from '../functions/adapters/aws-clients';
import { environmentOf } from '../functions/adapters/config';
import { DynamoTokenStore } from '../test/support/dynamo-token-store';
import { Es256JwtVerifier } from '../functions/adapters/jwt-verifier';
import { LocalKeyRing } from '../functions/adapters/local-signer';
import { defaultPolicy } from '../functions/domain/token-policy';
import { routePolicyOf } from '../functions/apigateway/route-policy';
import { exampleApiRoutes, exampleCatalogue, resolveRoutes } from '../functions/domain/routes';
import { authorizerResultOf } from '../functions/apigateway/authorizer-result';
import { ensureTable, startDynamoDbLocal } from '../functions/local/dynamodb-local';
import { Authorizer } from '../functions/service/authorize';
import { systemClock } from '../functions/service/ports';
import { TokenIssuance } from '../functions/service/token-issuance';
import { lambdaNode, measureColdStarts, printColdStarts } from './cold-start';
import { printRevocationModel, runRevocationModel } from './revocation-model';

/** The environment this run started with (the authorizer's settings are added to process.env below). */
const initialEnvironment = { ...process.env };

interface Result {
  name: string;
  opsPerSecond: number;
  p50: number;
  p99: number;
}

async function measure(name: string, operation: () => unknown, seconds = Number(process.env.BENCH_SECONDS ?? 2)): Promise<Result> {
  for (let i = 0; i < 200; i++) await operation(); // warm-up: JIT, caches
  const samples: number[] = [];
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(seconds * 1e9));
  let now = start;
  while (now < deadline) {
    const before = process.hrtime.bigint();
    await operation();
    now = process.hrtime.bigint();
    samples.push(Number(now - before) / 1000);
  }
  samples.sort((x, y) => x - y);
  const elapsed = Number(now - start) / 1e9;
  return {
    name,
    opsPerSecond: samples.length / elapsed,
    p50: samples[Math.floor(samples.length * 0.5)]!,
    p99: samples[Math.floor(samples.length * 0.99)]!,
  };
}

/** Alternating rounds of (a) and (c): an odd number, so the median is a round's own figure. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
/** Imports of each bundle per variant (SDK bundled, external), alternating. */
const INIT_RUNS = Number(process.env.BENCH_INIT_RUNS ?? 7);

const dynamo = await startDynamoDbLocal();
try {
  const tableName = 'bench-tokens';
  const client = dynamoClient(dynamo.endpoint);
  await ensureTable(client, tableName);
  const workDir = mkdtempSync(join(tmpdir(), 'pat-bench-'));
  const keyFile = join(workDir, 'key.json');
  // The authorizer emits its metrics as EMF JSON lines on stdout, as in Lambda where CloudWatch reads
  // them; here they would scroll the table away. While measuring, stdout goes to a file (one sync
  // append per flush, at most once a second: nothing the figures can see).
  const metricsFile = join(workDir, 'metrics.emf.jsonl');
  const stdoutWrite = process.stdout.write.bind(process.stdout);
  let metricLines = 0;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    appendFileSync(metricsFile, chunk);
    metricLines++;
    return true;
  }) as typeof process.stdout.write;
  const keys = LocalKeyRing.fromFile(keyFile);
  const store = new DynamoTokenStore(client, { tableName, retentionDays: 30 });
  const tokens = new TokenIssuance({
    records: store,
    tenantPolicies: store,
    signer: keys,
    clock: systemClock,
    policy: defaultPolicy,
    catalogue: exampleCatalogue,
    issuer: 'pat-bench',
  });
  const issued = await tokens.create(
    { userId: 'bench', tenant: 'acme', isAdmin: false },
    { description: 'bench', scopes: ['candidates:read', 'jobs:read'], allowedIps: ['10.0.0.0/8', '203.0.113.0/24'] },
  );
  const token = issued.accessToken;

  // (a) the floor: signature check only, key already a KeyObject
  const jwk = (await keys.publicKeys())[0]!;
  const publicKey = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, format: 'jwk' });
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const signingInput = Buffer.from(`${header}.${payload}`);
  const signatureBytes = Buffer.from(signature, 'base64url');
  const bare = await measure('(a) bare crypto.verify (ES256)', () => {
    if (!verify('sha256', signingInput, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signatureBytes)) throw new Error('bad signature');
  });

  // (b) jose, one by one
  const keySet = createLocalJWKSet({ keys: [jwk] });
  const jose = await measure('(b) jose jwtVerify', () => jwtVerify(token, keySet, { issuer: 'pat-bench', algorithms: ['ES256'] }));

  // (c) the deployed handler, warm
  Object.assign(process.env, environmentOf({ issuer: 'pat-bench', catalogue: exampleCatalogue, routes: exampleApiRoutes }), {
    TABLE_NAME: tableName,
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    SIGNER: 'local',
    LOCAL_SIGNING_KEY_FILE: keyFile,
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });
  const { handler } = await import('../functions/handlers/authorizer');
  const event = {
    type: 'REQUEST',
    methodArn: 'arn:aws:execute-api:eu-west-1:111122223333:abcdef1234/prod/GET/api/candidates',
    resource: '/api/candidates',
    path: '/api/candidates',
    httpMethod: 'GET',
    headers: { Authorization: `Bearer ${token}`, Host: 'api.example' },
    requestContext: { identity: { sourceIp: '203.0.113.9' } },
  } as unknown as APIGatewayRequestAuthorizerEvent;
  const warm = await measure('(c) authorizer handler, warm', async () => {
    const result = await handler(event);
    if (result.policyDocument.Statement[0]!.Effect !== 'Allow') throw new Error('denied');
  });

  // (d) the same decision with no status cache: every call reads DynamoDB Local
  const exampleRoutes = resolveRoutes(exampleApiRoutes, exampleCatalogue);
  const exampleRoutePolicy = routePolicyOf(exampleRoutes);
  const coldAuthorizer = new Authorizer({
    verifier: new Es256JwtVerifier(keys, { issuer: 'pat-bench', clock: systemClock, allowNoExpiry: false }),
    store,
    clock: systemClock,
    routes: exampleRoutes,
    statusCacheMs: 0,
    lastUsedIntervalMs: 60_000,
  });
  const cold = await measure('(d) authorizer, cold status cache (DynamoDB Local read)', async () => {
    const decision = await coldAuthorizer.authorize({
      authorization: `Bearer ${token}`,
      sourceIp: '203.0.113.9',
      method: 'GET',
      resource: '/api/candidates',
    });
    if (decision.effect !== 'allow') throw new Error('denied');
    authorizerResultOf(decision, event.methodArn, exampleRoutePolicy);
  });

  // The ratio that matters, (c)/(a), measured in alternating short rounds so that load from other
  // processes hits both sides alike; the median round is reported.
  const ratios: number[] = [];
  const latencyRatios: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const a = await measure('a', () => verify('sha256', signingInput, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signatureBytes), 0.4);
    const c = await measure('c', () => handler(event), 0.4);
    ratios.push(c.opsPerSecond / a.opsPerSecond);
    // The same rounds by median time per call: a call descheduled by another process lands in the
    // tail, not the median, so this figure holds up on a loaded machine where ops/s does not.
    latencyRatios.push(a.p50 / c.p50);
  }
  latencyRatios.sort((x, y) => x - y);
  ratios.sort((x, y) => x - y);

  process.stdout.write = stdoutWrite;

  const rows = [bare, jose, warm, cold];
  const pad = (text: string, width: number) => text.padEnd(width);
  console.log(`\n${pad('measure', 58)}${pad('ops/s', 10)}${pad('p50 µs', 10)}${pad('p99 µs', 10)}vs (a)`);
  for (const row of rows) {
    console.log(
      `${pad(row.name, 58)}${pad(row.opsPerSecond.toFixed(0), 10)}${pad(row.p50.toFixed(1), 10)}${pad(row.p99.toFixed(1), 10)}${(row.opsPerSecond / bare.opsPerSecond).toFixed(2)}`,
    );
  }
  const mid = ratios[Math.floor(ROUNDS / 2)]!;
  console.log(
    `\n(c)/(a) = ${(warm.opsPerSecond / bare.opsPerSecond).toFixed(2)} in the runs above; median of ${ROUNDS} alternating rounds ${mid.toFixed(2)} (range ${ratios[0]!.toFixed(2)}–${ratios.at(-1)!.toFixed(2)}); goal ≥ 0.85`,
  );
  console.log(
    `p50(a)/p50(c), the same rounds by median time per call: median ${latencyRatios[Math.floor(ROUNDS / 2)]!.toFixed(2)} (range ${latencyRatios[0]!.toFixed(2)}–${latencyRatios.at(-1)!.toFixed(2)})`,
  );
  const coldStarts = await measureColdStarts(process.cwd(), join(process.cwd(), 'dist', 'bench-functions'), [jwk], INIT_RUNS);
  printColdStarts(coldStarts, lambdaNode(process.cwd()), INIT_RUNS);
  console.log(`metrics emitted while measuring (EMF, ${metricLines} lines): ${metricsFile}`);
  const modelTokens = Number(process.env.BENCH_MODEL_TOKENS ?? 10);
  printRevocationModel(await runRevocationModel(dynamo.endpoint, keys, modelTokens), modelTokens);
  client.destroy();
} finally {
  await dynamo.stop();
}

// The local front against a bare Node http server, paired rounds (bench/local-front.ts), in a
// process of its own: the environment set above for the authorizer's handler is not local mode's.
const benchDir = dirname(fileURLToPath(import.meta.url));
execFileSync(process.execPath, [...process.execArgv, join(benchDir, 'local-front.ts')], {
  stdio: 'inherit',
  env: initialEnvironment,
});
