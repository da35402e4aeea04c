/**
 * Writes the fiscal service's generated OpenAPI document to `services/fiscal/openapi.json`, so API changes show up
 * in review as a diff. `test/openapi.test.ts` fails when the committed file is stale.
 *
 *   node services/fiscal/scripts/write-openapi.ts     (or `npm run openapi` for every service)
 */
import { fileURLToPath } from 'node:url'
import { formatOpenApi, generateOpenApiDocument, writeOpenApiDocument } from '@kokdala/core'
import { buildFiscalApp } from '../src/app.ts'
import { loadFiscalConfig } from '../src/config.ts'

export { formatOpenApi }

/** Where the committed document lives. */
export const openApiPath = fileURLToPath(new URL('../openapi.json', import.meta.url))

/** The document of the app built with fixed settings (not process.env: it must not depend on where it is made). */
export function generateFiscalOpenApi(): Promise<Record<string, unknown>> {
  const config = loadFiscalConfig({ FISCAL_PORT: '0', LOG_LEVEL: 'warn' })
  return generateOpenApiDocument((db) => buildFiscalApp({ config, db, background: false }))
}

if (import.meta.main) await writeOpenApiDocument(openApiPath, await generateFiscalOpenApi())
