/**
 * OpenAPI security schemes a service passes to `createApp({ securitySchemes })`: the document lists exactly the
 * ways the service authenticates, and a route naming a scheme the app does not declare fails at start-up.
 */
export type SecurityScheme =
  | { type: 'http'; scheme: string; bearerFormat?: string; description?: string }
  | { type: 'apiKey'; name: string; in: 'header' | 'query' | 'cookie'; description?: string }

/** HTTP Basic (RFC 7617), as `parseBasicAuth` reads it. */
export const basicAuthScheme = { type: 'http', scheme: 'basic' } as const satisfies SecurityScheme

/** Core's API tokens (`api-tokens/`) as `Authorization: Bearer kk_live_…`. */
export const apiTokenScheme = {
  type: 'http',
  scheme: 'bearer',
  bearerFormat: 'kk_live_…',
  description: 'An API token: kk_live_ or kk_test_ followed by 38 characters',
} as const satisfies SecurityScheme
