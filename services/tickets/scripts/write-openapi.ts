/**
 * Writes the tickets service's generated OpenAPI document to `services/tickets/openapi.json`, so API changes
 * show up in review as a diff. `test/openapi.test.ts` fails when the committed file is stale.
 *
 *   node services/tickets/scripts/write-openapi.ts
 */
import { fileURLToPath } from 'node:url'
import { formatOpenApi, generateOpenApiDocument, writeOpenApiDocument } from '@kokdala/core'
import { buildTicketsApp } from '../src/app.ts'
import { loadTicketsConfig } from '../src/config.ts'

export { formatOpenApi }

/** Where the committed document lives. */
export const openApiPath = fileURLToPath(new URL('../openapi.json', import.meta.url))

/** The document of the app built with fixed settings (not process.env: it must not depend on where it is made). */
export function generateTicketsOpenApi(): Promise<Record<string, unknown>> {
  const config = loadTicketsConfig({
    TICKETS_PORT: '0',
    LOG_LEVEL: 'warn',
    TICKETS_PUBLIC_URL: 'http://127.0.0.1:8080',
  })
  return generateOpenApiDocument((db) => buildTicketsApp({ config, db, background: false }))
}

if (import.meta.main) await writeOpenApiDocument(openApiPath, await generateTicketsOpenApi())
