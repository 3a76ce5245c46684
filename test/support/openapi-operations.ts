/** One property of a request body, as the OpenAPI document describes it. */
export interface BodyProperty {
  name: string;
  type?: string;
  /** e.g. `uuid`: a valid body needs a value of that format. */
  format?: string;
  nullable?: boolean;
  maxLength?: number;
  required: boolean;
}

/** One route with what it reads, from the OpenAPI document. */
export interface Operation {
  method: string;
  /** e.g. `/api/v1/conversations/{id}` */
  template: string;
  pathParams: string[];
  queryParams: string[];
  headerParams: string[];
  /** Undefined when the route takes no body. */
  body?: BodyProperty[];
}

interface OpenApiParameter {
  name: string;
  in: string;
}
interface OpenApiSchema {
  $ref?: string;
  type?: string;
  format?: string;
  nullable?: boolean;
  maxLength?: number;
  properties?: Record<string, OpenApiSchema>;
  required?: string[];
}
interface OpenApiOperation {
  parameters?: OpenApiParameter[];
  requestBody?: { content: Record<string, { schema: OpenApiSchema }> };
}
/** The parts of an OpenAPI 3 document read here. */
export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, OpenApiSchema> };
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** Every operation of the document, with its parameters and body properties resolved. */
export function operationsOf(document: OpenApiDocument): Operation[] {
  const operations: Operation[] = [];
  for (const [template, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const parameters = operation.parameters ?? [];
      const named = (place: string) => parameters.filter((p) => p.in === place).map((p) => p.name);
      const schema = operation.requestBody?.content['application/json']?.schema;
      operations.push({
        method: method.toUpperCase(),
        template,
        pathParams: named('path'),
        queryParams: named('query'),
        headerParams: named('header'),
        body: schema ? bodyProperties(resolve(document, schema)) : undefined,
      });
    }
  }
  return operations;
}

function resolve(document: OpenApiDocument, schema: OpenApiSchema): OpenApiSchema {
  if (!schema.$ref) return schema;
  return document.components.schemas[schema.$ref.replace('#/components/schemas/', '')];
}

function bodyProperties(schema: OpenApiSchema): BodyProperty[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {}).map(([name, property]) => ({
    name,
    type: property.type,
    format: property.format,
    nullable: property.nullable,
    maxLength: property.maxLength,
    required: required.has(name),
  }));
}

/**
 * The routes Express serves, as `METHOD /path/{param}`: compared with the document so that a route
 * left out of it (and so out of the fuzz) fails the test.
 */
export function expressRoutes(expressApp: unknown): string[] {
  const stack =
    (expressApp as { router?: { stack?: RouterLayer[] } }).router?.stack ?? ([] as RouterLayer[]);
  const routes: string[] = [];
  for (const layer of stack) {
    // Middleware applied with `forRoutes()` to paths outside the global prefix shows up as a route
    // for every method at once; a handler is a route for one method.
    if (!layer.route || Object.keys(layer.route.methods).length > 2) continue;
    const path = layer.route.path.replace(/:(\w+)/g, '{$1}').replace(/\\\//g, '/');
    for (const [method, on] of Object.entries(layer.route.methods)) {
      if (on && method !== '_all') routes.push(`${method.toUpperCase()} ${path}`);
    }
  }
  return routes;
}

interface RouterLayer {
  route?: { path: string; methods: Record<string, boolean> };
}
