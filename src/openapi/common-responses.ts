import type {
  OpenAPIObject,
  HeaderObject,
  OperationObject,
  ReferenceObject,
  ResponseObject,
} from '@nestjs/swagger';

/** Where the problem+json schema lives in the document. */
export const PROBLEM_SCHEMA_REF = '#/components/schemas/ProblemResponse';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

const seconds = (description: string): HeaderObject => ({
  description,
  schema: { type: 'integer', minimum: 0 },
});

/** Headers of every refusal that says when to come back. */
export const RETRY_AFTER_HEADERS: Record<string, HeaderObject> = {
  'Retry-After': seconds('Seconds to wait before retrying.'),
};

const RATE_LIMIT_HEADERS: Record<string, HeaderObject> = {
  ...RETRY_AFTER_HEADERS,
  'X-RateLimit-Limit': seconds('Requests allowed per window (RATE_LIMIT_MAX).'),
  'X-RateLimit-Remaining': seconds('Requests left in this window.'),
  'X-RateLimit-Reset': seconds('Seconds until the window ends.'),
};

/**
 * Answers that come from what every route goes through (the HTTP parser, the body pipeline, the
 * auth guard, the rate limiter) rather than from a handler, so no controller declares them.
 */
const COMMON: Record<
  string,
  { when: (facts: OperationFacts) => boolean; response: ResponseObject }
> = {
  400: {
    when: () => true,
    response: {
      description:
        'Bad request: a parameter, header or body field is invalid (`validation_failed` names it), or the request is malformed.',
    },
  },
  401: {
    when: (facts) => facts.authenticated,
    response: {
      description: 'No valid bearer token.',
      headers: { 'WWW-Authenticate': { schema: { type: 'string' } } },
    },
  },
  413: {
    when: (facts) => facts.hasBody,
    response: { description: 'The body is larger than MAX_BODY_BYTES.' },
  },
  415: {
    when: (facts) => facts.hasBody,
    response: { description: 'The body is not JSON in UTF-8, or its encoding is unknown.' },
  },
  429: {
    when: (facts) => facts.authenticated,
    response: { description: 'Rate limited.', headers: RATE_LIMIT_HEADERS },
  },
};

interface OperationFacts {
  /** Goes through the auth guard and the rate limiter (every route but the probes). */
  authenticated: boolean;
  hasBody: boolean;
}

/**
 * Completes what Nest's explorer writes: the answers every route may give besides its own, and
 * the problem+json body of every error answer that declares no other. A route is public (no token, not rate limited)
 * when its security allows an anonymous caller (`{}`, written by `@Public()`).
 */
export function addCommonResponses(document: OpenAPIObject): OpenAPIObject {
  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (operation) completeOperation(operation, document);
    }
  }
  return document;
}

function completeOperation(operation: OperationObject, document: OpenAPIObject): void {
  const security = operation.security ?? document.security ?? [];
  const facts: OperationFacts = {
    authenticated: !security.some((requirement) => Object.keys(requirement).length === 0),
    hasBody: operation.requestBody !== undefined,
  };
  for (const [status, common] of Object.entries(COMMON)) {
    if (common.when(facts) && !operation.responses[status]) {
      operation.responses[status] = structuredClone(common.response);
    }
  }
  for (const [status, response] of Object.entries(operation.responses)) {
    if (Number(status) >= 400 && response && !isReference(response)) {
      describeProblem(Number(status), response);
    }
  }
}

/**
 * An error answer without a body of its own (health probes have theirs) is a problem; a 429 or a
 * 503 problem says when to come back.
 */
function describeProblem(status: number, response: ResponseObject): void {
  if (response.content) return;
  response.content = { 'application/problem+json': { schema: { $ref: PROBLEM_SCHEMA_REF } } };
  if (status === 429 || status === 503) response.headers ??= { ...RETRY_AFTER_HEADERS };
}

function isReference(value: ResponseObject | ReferenceObject): value is ReferenceObject {
  return '$ref' in value;
}
