import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import { policyAllows } from '../../functions/local/policy-evaluation';
import type { FaultCounters } from './dynamodb-client';
import type { Random } from './random';
import type { Scheduler } from './scheduler';
import type { AuthorizerAnswer, AuthorizerEvent } from './system';
import type { Trace } from './trace';

export const REST_API_ID = 'simapi';
export const STAGE = 'prod';
/** The authorizer Lambda's timeout: a container that has not answered by then is gone (500). */
const AUTHORIZER_TIMEOUT_MS = 5_000;
const MAX_CONTAINERS = 8;

export interface GatewayRequest {
  /** The token the vendor sends (the simulation knows which one; the gateway only sees the header). */
  tokenId: string;
  authorization: string;
  sourceIp: string;
  method: string;
  /** The route's resource, `/api/candidates/{id}`… */
  resource: string;
  /** The concrete path, `/api/candidates/42`… */
  path: string;
}

interface CachedResult {
  result: APIGatewayAuthorizerResult;
  cachedAt: number;
}

interface Container {
  name: string;
  invoke: (event: AuthorizerEvent) => Promise<AuthorizerAnswer>;
  busy: boolean;
  gone: boolean;
}

/**
 * API Gateway's REST API in front of a protected API, as far as authorization goes: a result
 * cache keyed by the identity sources (Authorization header and source IP) with a TTL, whose cached
 * policy answers every method ARN it allows; a result is cached when the authorizer's answer
 * arrives; a stage flush drops every result cached at or before its instant. Authorizer
 * containers serve one request at a time; a busy pool grows by cold containers.
 */
export class ApiGatewayModel {
  private readonly cache = new Map<string, CachedResult>();
  private readonly containers: Container[] = [];
  private created = 0;
  flushes = 0;
  /** When each stage flush took effect. */
  readonly flushedAt: number[] = [];

  constructor(
    private readonly scheduler: Scheduler,
    private readonly random: Random,
    private readonly trace: Trace,
    private readonly faults: FaultCounters,
    private readonly newContainer: (name: string) => (event: AuthorizerEvent) => Promise<AuthorizerAnswer>,
    private readonly resultTtlMs: number,
    private readonly onAllowed: (request: GatewayRequest, via: string, cachedAt: number) => void,
  ) {}

  /** FlushStageAuthorizersCache taking effect, now. */
  flush(): void {
    this.flushes++;
    const now = this.scheduler.now();
    this.flushedAt.push(now);
    for (const [key, entry] of this.cache) if (entry.cachedAt <= now) this.cache.delete(key);
    this.trace.log('apigateway', `stage ${STAGE} flushed (${this.flushes})`);
  }

  async request(request: GatewayRequest): Promise<number> {
    const methodArn = `arn:aws:execute-api:eu-west-1:123456789012:${REST_API_ID}/${STAGE}/${request.method}${request.path}`;
    const key = `${request.authorization}\n${request.sourceIp}`;
    const cached = this.cache.get(key);
    const now = this.scheduler.now();
    const label = `${request.method} ${request.path} ${short(request.tokenId)} from ${request.sourceIp}`;
    if (cached && now < cached.cachedAt + this.resultTtlMs) {
      return this.answer(
        request,
        label,
        policyAllows(cached.result, methodArn),
        `cached ${((now - cached.cachedAt) / 1000).toFixed(3)} s ago`,
        cached.cachedAt,
      );
    }
    const container = await this.container();
    if (!container) {
      this.trace.log('apigateway', `${label} → 429 (no authorizer container free)`);
      return 429;
    }
    container.busy = true;
    const event: AuthorizerEvent = {
      authorization: request.authorization,
      sourceIp: request.sourceIp,
      httpMethod: request.method,
      resource: request.resource,
      methodArn,
    };
    let timedOut = false;
    const answer = await Promise.race([
      container.invoke(event).then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => ({ ok: false as const, error }),
      ),
      this.scheduler.sleep(AUTHORIZER_TIMEOUT_MS).then(() => {
        timedOut = true;
        return undefined;
      }),
    ]);
    if (timedOut || !answer) {
      // The Lambda timed out (a call of its never answered): this container is gone.
      container.gone = true;
      this.faults.add('authorizer_timeout');
      this.trace.log(container.name, `${label} → 500 (timed out; container replaced)`);
      return 500;
    }
    container.busy = false;
    if (!answer.ok) {
      this.trace.log(container.name, `${label} → 500 (${(answer.error as Error).name}: ${(answer.error as Error).message})`);
      return 500;
    }
    if (answer.value.kind === 'unauthorized') {
      this.trace.log(container.name, `${label} → 401 (${answer.value.reason})`);
      return 401;
    }
    // Cached when the answer arrives, whatever the decision was computed on.
    const cachedAt = this.scheduler.now();
    this.cache.set(key, { result: answer.value.result, cachedAt });
    return this.answer(
      request,
      label,
      policyAllows(answer.value.result, methodArn),
      `${container.name} ${answer.value.effect}, cached`,
      cachedAt,
    );
  }

  private answer(request: GatewayRequest, label: string, allowed: boolean, via: string, cachedAt: number): number {
    this.trace.log('apigateway', `${label} → ${allowed ? 200 : 403} (${via})`);
    if (allowed) this.onAllowed(request, via, cachedAt);
    return allowed ? 200 : 403;
  }

  private async container(): Promise<Container | undefined> {
    const idle = this.containers.filter((container) => !container.busy && !container.gone);
    if (idle.length > 0) return this.random.pick(idle);
    if (this.containers.filter((container) => !container.gone).length >= MAX_CONTAINERS) return undefined;
    const name = `authz-${++this.created}`;
    const container: Container = { name, invoke: this.newContainer(name), busy: true, gone: false };
    this.containers.push(container);
    // A cold start.
    await this.scheduler.sleep(this.random.int(150, 400));
    container.busy = false;
    return container;
  }
}

const short = (id: string) => id.slice(0, 6);
