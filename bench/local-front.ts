/**
 * The local front's speed: authorized GETs of the example API through `npm start`'s front (the
 * authorizer's decision cached, as API Gateway caches it) against a bare Node `http` server
 * answering the same JSON, with the same client (keep-alive, a few requests in flight), in
 * alternating short rounds in one run so that load from other processes hits both sides alike.
 * `tsx bench/local-front.ts` runs it alone; `npm run bench` calls `benchLocalFront()` at its end.
 */
import { createServer, request, Agent, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalService } from '../functions/local/service';

const IN_FLIGHT = 4;
const ROUNDS = 11;

interface Target {
  port: number;
  path: string;
  headers: Record<string, string>;
}

/** One GET over the agent's kept-alive sockets; resolves with the status once the body is read. */
function get(agent: Agent, target: Target): Promise<number> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: '127.0.0.1', port: target.port, path: target.path, headers: target.headers, agent }, (response) => {
      response.on('data', () => undefined);
      response.on('end', () => resolve(response.statusCode ?? 0));
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

interface Rate {
  /** Requests per wall-clock second. */
  wall: number;
  /** Requests per second of this process's CPU time (client and servers share it): the figure other processes' load blurs least. */
  cpu: number;
}

/** Requests per second for `seconds`, IN_FLIGHT loops each sending one request at a time. */
async function throughput(agent: Agent, target: Target, seconds: number): Promise<Rate> {
  let done = 0;
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  const deadline = start + seconds * 1000;
  const loop = async () => {
    while (performance.now() < deadline) {
      const status = await get(agent, target);
      if (status !== 200) throw new Error(`GET ${target.path} answered ${status}`);
      done++;
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, loop));
  const cpu = process.cpuUsage(cpuBefore);
  return { wall: done / ((performance.now() - start) / 1000), cpu: done / ((cpu.user + cpu.system) / 1e6) };
}

async function bareServer(): Promise<Server> {
  const body = JSON.stringify({ ok: true, principal: { tokenId: 'a'.repeat(32), owner: 'bench', tenant: 'acme' } });
  const server = createServer(function bareAnswer(_request, response) {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

async function json(port: number, method: string, path: string, body: unknown, authorization?: string): Promise<Record<string, unknown>> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization: `Bearer ${authorization}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
}

export async function benchLocalFront(): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pat-bench-front-'));
  const service = await startLocalService({ port: 0, dataDir, stageFlush: false });
  const bare = await bareServer();
  const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  try {
    const frontPort = Number(new URL(service.url).port);
    const { idToken } = await json(frontPort, 'POST', '/local/session', { user: 'bench', tenant: 'acme' });
    const issued = await json(frontPort, 'POST', '/tokens', { description: 'bench', scopes: ['candidates:read'] }, idToken as string);
    const headers = { authorization: `Bearer ${issued.accessToken as string}` };
    const front: Target = { port: frontPort, path: '/api/candidates', headers };
    const plain: Target = { port: (bare.address() as { port: number }).port, path: '/api/candidates', headers };

    await throughput(agent, front, 1); // warm-up: JIT, the authorizer's first decision, sockets
    await throughput(agent, plain, 1);
    const rounds: { front: Rate; bare: Rate }[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate which side goes first, so neither always meets the same moment of outside load.
      const [first, second] = round % 2 === 0 ? [front, plain] : [plain, front];
      const a = await throughput(agent, first, 0.5);
      const b = await throughput(agent, second, 0.5);
      rounds.push(round % 2 === 0 ? { front: a, bare: b } : { front: b, bare: a });
    }
    const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
    const summary = (kind: keyof Rate, what: string) => {
      const ratios = rounds.map((r) => r.front[kind] / r.bare[kind]).sort((x, y) => x - y);
      return (
        `front / bare ${what}: median of ${ROUNDS} alternating rounds ${median(ratios).toFixed(2)} ` +
        `(range ${ratios[0]!.toFixed(2)}–${ratios[ratios.length - 1]!.toFixed(2)}); goal ≥ 0.85`
      );
    };
    const lines = [
      `local front, authorized GET /api/candidates (cached decision), ${IN_FLIGHT} in flight, keep-alive: ` +
        `${median(rounds.map((r) => r.front.wall)).toFixed(0)} req/s; bare Node http server: ${median(rounds.map((r) => r.bare.wall)).toFixed(0)} req/s`,
      summary('wall', 'requests per second'),
      summary('cpu', 'requests per CPU-second of the process'),
    ];
    for (const line of lines) console.log(line);
    return lines.join('\n');
  } finally {
    agent.destroy();
    bare.close();
    await service.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchLocalFront();
