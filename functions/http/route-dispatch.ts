import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { notFound } from '../domain/errors';
import { routeKeyOf, routesServedBy, type RouteHandler, type RouteKeysOf } from '../domain/service-routes';
import type { Caller } from '../service/caller';

/** What a route does for an identified caller (or, for routes that carry their own credential, with nothing more than the event). */
export type RouteAction<C = Caller> = (event: APIGatewayProxyEvent, caller: C) => Promise<APIGatewayProxyResult>;

/**
 * A handler's routes as a map keyed `METHOD /resource`, the route table's keys (Powertools'
 * event-handler router, without the path matching API Gateway has already done). The compiler asks
 * for exactly the routes the table gives this handler; the check below holds the same at cold start
 * for JavaScript built without the compiler's say.
 */
export function dispatch<H extends RouteHandler, C = Caller>(
  handler: H,
  actions: NoInfer<Record<RouteKeysOf<H>, RouteAction<C>>>,
): RouteAction<C> {
  const byKey = new Map<string, RouteAction<C>>(Object.entries(actions));
  const served = routesServedBy(handler).map(routeKeyOf);
  if (served.length !== byKey.size || served.some((key) => !byKey.has(key))) {
    throw new Error(`${handler}: the dispatch has ${[...byKey.keys()].join(', ')}; the route table gives it ${served.join(', ')}`);
  }
  return async (event, caller) => {
    const action = byKey.get(`${event.httpMethod} ${event.resource}`);
    if (!action) throw notFound('No such route');
    return action(event, caller);
  };
}
