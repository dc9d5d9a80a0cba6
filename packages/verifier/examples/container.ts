/**
 * A service in a container (ECS, EKS, App Runner): Node's own HTTP server, each request verified
 * with `verifyToken` before it is served. Behind a load balancer, take the client's address from
 * the header it appends instead of the socket.
 */
import { createServer, type Server } from 'node:http';
import { createTokenVerifier, type TokenVerifier, verifierOptionsFromEnvironment } from '../src/index';

export function createContainerServer(verifier: TokenVerifier): Server {
  return createServer(async (request, response) => {
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': 'application/json', ...headers });
      response.end(JSON.stringify(body));
    };
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const authorization = request.headers.authorization;
    try {
      const result = await verifier.verifyToken(
        authorization,
        { method: request.method ?? 'GET', path },
        { sourceIp: request.socket.remoteAddress ?? '' },
      );
      if (!result.ok)
        return send(
          result.status,
          {
            error: {
              code: result.code,
              message: result.status === 401 ? 'A valid access token is required' : 'The token does not allow this request',
            },
          },
          { 'www-authenticate': result.wwwAuthenticate },
        );
      return send(200, { ok: true, principal: result.principal });
    } catch {
      return send(503, { error: { code: 'unavailable', message: 'The token service cannot be reached; try again' } });
    }
  });
}

if (process.env.PAT_ISSUER && process.argv[1]?.endsWith('container.ts')) {
  createContainerServer(createTokenVerifier(verifierOptionsFromEnvironment())).listen(Number(process.env.PORT ?? 8080));
}
