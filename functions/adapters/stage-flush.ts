import { APIGatewayClient, FlushStageAuthorizersCacheCommand } from '@aws-sdk/client-api-gateway';
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { StageCache, StageRef, StageRegistry } from '../service/stage-flusher';

/**
 * The registry of protected stages: one SSM parameter per stage under a path, written by each
 * `TokenAuthorizer` at deploy time (value `{"restApiId": …, "stage": …}`) and deleted with its stack.
 */
export class SsmStageRegistry implements StageRegistry {
  constructor(
    private readonly ssm: SSMClient,
    private readonly path: string,
  ) {}

  async list(): Promise<StageRef[]> {
    const stages: StageRef[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.ssm.send(new GetParametersByPathCommand({ Path: this.path, Recursive: true, NextToken: nextToken }));
      for (const parameter of page.Parameters ?? []) {
        const stage = stageOf(parameter.Value);
        if (stage) stages.push(stage);
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return stages;
  }
}

/** A registry value, or undefined for one that is not a stage (it is skipped, not fatal). */
export function stageOf(value: string | undefined): StageRef | undefined {
  try {
    const parsed = JSON.parse(value ?? '') as Partial<StageRef>;
    const valid = (text: unknown) => typeof text === 'string' && /^[A-Za-z0-9_-]{1,128}$/.test(text);
    return valid(parsed.restApiId) && valid(parsed.stage) ? { restApiId: parsed.restApiId!, stage: parsed.stage! } : undefined;
  } catch {
    return undefined;
  }
}

/** `FlushStageAuthorizersCache`: IAM `apigateway:DELETE` on `/restapis/{id}/stages/{stage}/cache/authorizers`. */
export class ApiGatewayStageCache implements StageCache {
  constructor(private readonly apigateway: APIGatewayClient) {}

  async flush(stage: StageRef): Promise<void> {
    await this.apigateway.send(new FlushStageAuthorizersCacheCommand({ restApiId: stage.restApiId, stageName: stage.stage }));
  }
}

/** Clients with short timeouts: a slow control plane must not hold the flusher's loop. */
export const stageFlushClients = () => ({
  apigateway: new APIGatewayClient({ maxAttempts: 2, requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000 } }),
  ssm: new SSMClient({ maxAttempts: 3, requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000 } }),
});
