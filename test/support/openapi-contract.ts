import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { ValidateFunction } from 'ajv';
import { exampleApiRoutes } from '../../functions/domain/routes';
import { openApiDocument } from '../../functions/http/openapi-document';
import { sessionRequest } from '../../functions/local/local-sessions';

/** A response as a test saw it. */
export interface RecordedResponse {
  method: string;
  /** The path without its query string. */
  path: string;
  status: number;
  contentType: string | null;
  body: unknown;
}

interface DocumentedOperation {
  method: string;
  template: string;
  pattern: RegExp;
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
}

const document = openApiDocument({ local: { sessionRequest, exampleApiRoutes } });
// One compiler for the run; the document is added whole so that each response schema's $refs resolve in it.
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(document, 'openapi');

const pointer = (...segments: string[]) => segments.map((segment) => segment.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

// Literal paths first, so `/tokens/refresh` is never taken for `/tokens/{id}` (as the front routes it).
const operations: DocumentedOperation[] = Object.entries(
  document.paths as unknown as Record<string, Record<string, { responses: DocumentedOperation['responses'] }>>,
)
  .sort(([a], [b]) => Number(a.includes('{')) - Number(b.includes('{')))
  .flatMap(([template, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      method: method.toUpperCase(),
      template,
      pattern: new RegExp(`^${template.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+')}$`),
      responses: operation.responses,
    })),
  );

const validators = new Map<string, ValidateFunction>();
function validatorOf(ref: string): ValidateFunction {
  let validate = validators.get(ref);
  if (!validate) {
    validate = ajv.compile({ $ref: ref });
    validators.set(ref, validate);
  }
  return validate;
}

const isJson = (contentType: string | null) => contentType !== null && /^application\/json\b/i.test(contentType);

/**
 * The contract: every answer of a documented route has a status the document lists for it, and a
 * body its schema accepts; any other answer is a 4xx in the spec's error shape. Returns the
 * problems, in words that name the route and the failing field.
 */
export function contractProblems(response: RecordedResponse): string[] {
  const where = `${response.method} ${response.path} → ${response.status}`;
  // The web console's files (GET, HTML, scripts) are not the API.
  if (!isJson(response.contentType) && response.method === 'GET' && response.status === 200) return [];
  if (!isJson(response.contentType)) return [`${where}: answered ${response.contentType ?? 'no content type'}, not JSON`];
  const operation = operations.find((candidate) => candidate.method === response.method && candidate.pattern.test(response.path));
  if (!operation) {
    const problems = errors(validatorOf('openapi#/components/schemas/Error'), response.body).map(
      (problem) => `${where} (no such operation): ${problem}`,
    );
    if (response.status < 400 || response.status >= 500)
      problems.push(`${where}: a route the document does not describe answered ${response.status}`);
    return problems;
  }
  // Named by its template, so the same drift on many tokens is one problem.
  const at = `${operation.method} ${operation.template} → ${response.status}`;
  const documented = operation.responses[String(response.status)];
  if (!documented) {
    return [
      `${at}: ${response.status} is not a documented status of ${operation.method} ${operation.template} (documented: ${Object.keys(operation.responses).join(', ')}; body ${JSON.stringify(response.body)?.slice(0, 200)})`,
    ];
  }
  if (!documented.content?.['application/json']) return [];
  const ref = `openapi#/${pointer('paths', operation.template, operation.method.toLowerCase(), 'responses', String(response.status), 'content', 'application/json', 'schema')}`;
  return errors(validatorOf(ref), response.body).map((problem) => `${at}: ${problem}`);
}

function errors(validate: ValidateFunction, body: unknown): string[] {
  if (validate(body)) return [];
  return (validate.errors ?? []).map(
    (error) =>
      `body${error.instancePath} ${error.message}${error.params && 'additionalProperty' in error.params ? ` (${String(error.params.additionalProperty)})` : ''}`,
  );
}

/** Collects the responses of one test file's service and says what broke the contract. */
export class ContractRecorder {
  readonly responses: RecordedResponse[] = [];

  record(response: RecordedResponse): void {
    this.responses.push(response);
  }

  problems(): string[] {
    return this.responses.flatMap(contractProblems);
  }
}
