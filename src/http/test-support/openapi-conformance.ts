// Checks answers the HTTP API gave against its own OpenAPI document, with a JSON Schema validator
// of its own (Ajv, draft 2020-12 as OpenAPI 3.1 uses): every status must be documented for its
// route, and every JSON body must match the documented schema. The HTTP harness records each
// answer the tests receive and runs this once per test file, so the document cannot drift.
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import formatsPlugin from 'ajv-formats';

export interface RecordedResponse {
  readonly method: string;
  readonly url: string;
  readonly statusCode: number;
  readonly contentType: string;
  readonly body: string;
}

interface MediaType {
  readonly schema?: unknown;
}
interface ResponseSpec {
  readonly content?: Readonly<Record<string, MediaType>>;
}
interface Operation {
  readonly responses?: Readonly<Record<string, ResponseSpec>>;
}
export interface OpenApiDocument {
  readonly paths: Readonly<Record<string, Readonly<Record<string, Operation>>>>;
}

/** Routes served outside the document on purpose: the document itself, its browser, the dashboard's page and assets. */
const undocumented = /^\/(?:openapi\.json|docs(?:\/.*)?|dashboard(?:\/.*)?)$/;

function templateOf(document: OpenApiDocument, path: string): string | undefined {
  if (document.paths[path] !== undefined) return path;
  return Object.keys(document.paths).find((template) =>
    new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path),
  );
}

/** Every way the recorded answers depart from the document, one line each. */
export function conformanceProblems(
  document: OpenApiDocument,
  responses: readonly RecordedResponse[],
): string[] {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  (formatsPlugin as unknown as (ajv: Ajv2020) => void)(ajv);
  const compiled = new Map<string, ValidateFunction>();
  const problems: string[] = [];
  for (const response of responses) {
    const path = response.url.split('?', 1)[0] ?? '';
    const where = `${response.method} ${response.url.slice(0, 80)} -> ${response.statusCode}`;
    if (undocumented.test(path)) continue;
    const template = templateOf(document, path);
    const operation =
      template === undefined ? undefined : document.paths[template]?.[response.method.toLowerCase()];
    if (operation === undefined || template === undefined) {
      // No such route: the answer must be the documented error shape with a 404 (or a 400 for a
      // URL the router cannot read).
      if (response.statusCode !== 404 && response.statusCode !== 400)
        problems.push(`${where}: not a documented route`);
      continue;
    }
    const spec = operation.responses?.[String(response.statusCode)];
    if (spec === undefined) {
      problems.push(`${where}: status not documented for ${response.method} ${template}`);
      continue;
    }
    const media = spec.content?.['application/json'];
    if (media?.schema === undefined) continue;
    if (!response.contentType.startsWith('application/json')) {
      problems.push(`${where}: documented as JSON, sent as ${response.contentType}`);
      continue;
    }
    const key = `${response.method} ${template} ${response.statusCode}`;
    let validate = compiled.get(key);
    if (validate === undefined) {
      validate = ajv.compile(media.schema as object);
      compiled.set(key, validate);
    }
    if (!validate(JSON.parse(response.body) as unknown)) {
      problems.push(`${where}: ${ajv.errorsText(validate.errors)}`);
    }
  }
  return problems;
}
