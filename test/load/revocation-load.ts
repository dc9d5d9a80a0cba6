/**
 * Load with revocation (`npm run test:load`). The local service runs in a child process (its own
 * DynamoDB Local, a temporary data directory, 127.0.0.1 only); this process drives it with
 * autocannon: 100 tokens call the example API, half of them are revoked mid-run, and after the
 * revocation bound (status cache + authorizer result cache) no revoked token may get in.
 *
 * Shorter caches than the production defaults (10 s + 20 s) keep the run under a minute; the
 * bound is the same sum, and LOAD_STATUS_CACHE_SECONDS / LOAD_AUTHORIZER_CACHE_SECONDS set them
 * (10 and 20 reproduce the documented defaults in about 55 s). Exit code 0 only if every check holds.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const STATUS_CACHE_SECONDS = Number(process.env.LOAD_STATUS_CACHE_SECONDS ?? 5);
const AUTHORIZER_CACHE_SECONDS = Number(process.env.LOAD_AUTHORIZER_CACHE_SECONDS ?? 10);
const BOUND_MS = (STATUS_CACHE_SECONDS + AUTHORIZER_CACHE_SECONDS) * 1000;
const WARMUP_SECONDS = Number(process.env.LOAD_WARMUP_SECONDS ?? 5);
const TAIL_SECONDS = Number(process.env.LOAD_TAIL_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.LOAD_CONNECTIONS ?? 32);
const TOKENS = 100;
/** Timers and in-flight requests: a request sent this long after the bound is held to it. */
const TOLERANCE_MS = 500;
const HARD_LIMIT_MS = 60_000;

// ---------------------------------------------------------------------------------------------
// The service, in a child process of its own

async function serve(): Promise<void> {
  const { startLocalService } = await import('../../functions/local/service');
  const dataDir = mkdtempSync(join(tmpdir(), 'pat-load-'));
  const service = await startLocalService({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    settings: { statusCacheSeconds: STATUS_CACHE_SECONDS },
    authorizerCacheSeconds: AUTHORIZER_CACHE_SECONDS,
  });
  const stop = async () => {
    await service.stop();
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  };
  process.on('disconnect', () => void stop());
  process.on('SIGTERM', () => void stop());
  process.send!({ url: service.url });
}

function startChild(): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const chunks: string[] = [];
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--serve'], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'INFO', AWS_REGION: process.env.AWS_REGION ?? 'local', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  child.stdout!.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.once('message', (message: { url: string }) => resolve({ child, url: message.url, output: () => chunks.join('') }));
    child.once('exit', (code) => reject(new Error(`the service exited (${code}) before it was ready:\n${chunks.join('')}`)));
  });
}

// ---------------------------------------------------------------------------------------------
// The load

interface Issued {
  id: string;
  accessToken: string;
  refreshKey: string;
}

interface Sample {
  token: number;
  sentAt: number;
  receivedAt: number;
  status: number;
  principal?: string;
}

/** What autocannon's per-connection context carries from a request to its answer. */
interface RequestContext {
  token: number;
  sentAt: number;
}

const paths = ['/api/candidates', '/api/jobs', '/api/candidates/42', '/api/candidates/42/documents'];

async function drive(): Promise<boolean> {
  const { child, url, output } = await startChild();
  try {
    const call = async (method: string, path: string, token?: string, body?: unknown) => {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const sessions = await Promise.all(['vendor-a', 'vendor-b'].map(async (user) => (await call('POST', '/local/session', undefined, { user, tenant: 'load' })).body.idToken as string));
    const tokens: Issued[] = [];
    for (let i = 0; i < TOKENS; i += 10) {
      const batch = await Promise.all(
        Array.from({ length: 10 }, async (_, j) => {
          const created = await call('POST', '/tokens', sessions[(i + j) % 2], { description: `load ${i + j}`, scopes: ['candidates:read', 'jobs:read'] });
          if (created.status !== 201) throw new Error(`create failed: ${created.status} ${JSON.stringify(created.body)}`);
          return created.body as unknown as Issued;
        }),
      );
      tokens.push(...batch);
    }
    const revokedIndexes = tokens.map((_, i) => i).filter((i) => i % 2 === 1);
    const revokedAt = new Map<number, number>();
    const samples: Sample[] = [];
    let next = 0;

    const durationSeconds = WARMUP_SECONDS + BOUND_MS / 1000 + TAIL_SECONDS;
    console.log(
      `revocation-load: ${TOKENS} tokens, ${CONNECTIONS} connections, ${durationSeconds} s against ${url}; ` +
        `${revokedIndexes.length} revoked at ${WARMUP_SECONDS} s; bound = status cache ${STATUS_CACHE_SECONDS} s + authorizer result cache ${AUTHORIZER_CACHE_SECONDS} s`,
    );
    const runStart = Date.now();
    const revocation = new Promise<void>((resolve, reject) => {
      setTimeout(() => {
        Promise.all(
          revokedIndexes.map(async (i) => {
            const answer = await call('DELETE', `/tokens/${tokens[i]!.id}`, sessions[i % 2]);
            if (answer.status !== 200) throw new Error(`revoke failed: ${answer.status}`);
            revokedAt.set(i, Date.now());
          }),
        ).then(() => resolve(), reject);
      }, WARMUP_SECONDS * 1000);
    });

    const result = await autocannon({
      url,
      connections: CONNECTIONS,
      pipelining: 1,
      duration: durationSeconds,
      timeout: 5,
      requests: [
        {
          method: 'GET',
          setupRequest: (request, context) => {
            const token = next++ % TOKENS;
            Object.assign(context, { token, sentAt: Date.now() } satisfies RequestContext);
            return { ...request, path: paths[token % paths.length]!, headers: { authorization: `Bearer ${tokens[token]!.accessToken}` } };
          },
          onResponse: (status, body, context) => {
            const { token, sentAt } = context as RequestContext;
            let principal: string | undefined;
            if (status === 200) principal = (JSON.parse(body) as { principal: { tokenId: string } }).principal.tokenId;
            samples.push({ token, sentAt, receivedAt: Date.now(), status, principal });
          },
        },
      ],
    });
    await revocation;

    // After the run: every revoked token once more (401), every kept one (200).
    const finalChecks = await Promise.all(tokens.map(async (token, i) => ({ i, status: (await call('GET', '/api/jobs', token.accessToken)).status })));

    // ------------------------------------------------------------------------------------------
    // Figures and checks
    const byId = new Map(tokens.map((token, i) => [token.id, i]));
    const statusCounts = new Map<number, number>();
    for (const sample of samples) statusCounts.set(sample.status, (statusCounts.get(sample.status) ?? 0) + 1);
    const serverErrors = samples.filter((sample) => sample.status >= 500).length;
    const misattributed = samples.filter((sample) => sample.principal !== undefined && byId.get(sample.principal) !== sample.token).length;

    let observedBoundMs = 0;
    let acceptedAfterRevocation = 0;
    const violations: Sample[] = [];
    for (const sample of samples) {
      if (sample.status !== 200 && sample.status !== 403) continue;
      const revoked = revokedAt.get(sample.token);
      if (revoked === undefined || sample.sentAt <= revoked) continue;
      acceptedAfterRevocation++;
      observedBoundMs = Math.max(observedBoundMs, sample.sentAt - revoked);
      if (sample.sentAt > revoked + BOUND_MS + TOLERANCE_MS) violations.push(sample);
    }
    const lastRevocation = Math.max(...revokedAt.values());
    const window = (from: number, to: number) => {
      const inWindow = samples.filter((s) => s.receivedAt >= from && s.receivedAt < to);
      return `${Math.round(inWindow.length / Math.max(0.001, (to - from) / 1000))} req/s (${inWindow.filter((s) => s.status === 200).length} accepted, ${inWindow.filter((s) => s.status === 401).length} refused)`;
    };
    const revokedFinal = finalChecks.filter(({ i }) => revokedAt.has(i));
    const keptFinal = finalChecks.filter(({ i }) => !revokedAt.has(i));
    const leaked = scanForSecrets(output(), tokens, sessions);

    console.log(
      [
        '',
        'Load with revocation (autocannon, loopback)',
        `  requests              ${samples.length} in ${durationSeconds} s, ${result.errors} errors, ${result.timeouts} timeouts`,
        `  throughput            ${Math.round(result.requests.average)} req/s average (min ${result.requests.min}, max ${result.requests.max})`,
        `  latency               p50 ${result.latency.p50} ms, p97.5 ${result.latency.p97_5} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms`,
        `  before revocation     ${window(runStart, runStart + WARMUP_SECONDS * 1000)}`,
        `  within the bound      ${window(lastRevocation, lastRevocation + BOUND_MS)}`,
        `  after the bound       ${window(lastRevocation + BOUND_MS, runStart + durationSeconds * 1000)}`,
        `  statuses              ${[...statusCounts].sort(([a], [b]) => a - b).map(([status, count]) => `${status}×${count}`).join(' ')}`,
        `  revoked tokens        ${revokedAt.size} (revocation took ${lastRevocation - Math.min(...revokedAt.values())} ms)`,
        `  accepted after revoke ${acceptedAfterRevocation} (all within the bound: ${violations.length === 0})`,
        `  revocation bound      configured ${BOUND_MS / 1000} s, observed ${(observedBoundMs / 1000).toFixed(1)} s (last acceptance of a revoked token after its revocation)`,
        `  final check           revoked: ${revokedFinal.filter((c) => c.status === 401).length}/${revokedFinal.length} refused; kept: ${keptFinal.filter((c) => c.status === 200).length}/${keptFinal.length} accepted`,
        `  5xx                   ${serverErrors}`,
        `  secrets in the log    ${leaked} found in ${output().split('\n').length} lines of the service's output`,
        `load: ${samples.length} requests, ${Math.round(result.requests.average)} req/s, ${violations.length} revoked accepted after the bound, ${serverErrors} 5xx, bound observed ${(observedBoundMs / 1000).toFixed(1)} s of ${BOUND_MS / 1000} s, ${leaked} secrets found`,
      ].join('\n'),
    );

    const problems = [
      violations.length > 0 && `${violations.length} requests of revoked tokens accepted after the bound`,
      serverErrors > 0 && `${serverErrors} 5xx`,
      result.errors + result.timeouts > 0 && `${result.errors} errors, ${result.timeouts} timeouts`,
      misattributed > 0 && `${misattributed} answers named another token than the one sent`,
      revokedFinal.some((c) => c.status !== 401) && 'a revoked token is still accepted after the run',
      keptFinal.some((c) => c.status !== 200) && 'a kept token is refused after the run',
      acceptedAfterRevocation === 0 && 'no revoked token was in the caches at revocation (the run proves nothing)',
      leaked > 0 && `${leaked} secrets in the service's log`,
    ].filter(Boolean);
    for (const problem of problems) console.error(`  FAILED: ${problem}`);
    return problems.length === 0;
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

/** Occurrences of any secret fragment (JWT signature, refresh secret, session signature) in the text. */
function scanForSecrets(text: string, tokens: Issued[], sessions: string[]): number {
  const fragments = [
    ...tokens.map((token) => token.accessToken.split('.')[2]!),
    ...tokens.map((token) => token.refreshKey.slice(-43)),
    ...sessions.map((session) => session.split('.')[2]!),
  ];
  return fragments.filter((fragment) => text.includes(fragment)).length;
}

// ---------------------------------------------------------------------------------------------
// Entry point (last, so that every constant above is initialised)

if (process.argv.includes('--serve')) {
  await serve();
} else {
  const started = Date.now();
  const watchdog = setTimeout(() => {
    console.error(`revocation-load: over ${HARD_LIMIT_MS / 1000} s, giving up`);
    process.exit(2);
  }, HARD_LIMIT_MS);
  watchdog.unref();
  const ok = await drive().catch((error: unknown) => {
    console.error('revocation-load failed:', error);
    return false;
  });
  console.log(`revocation-load: ${ok ? 'passed' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.exit(ok ? 0 : 1);
}
