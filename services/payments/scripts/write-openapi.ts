/**
 * Writes the payment center's generated OpenAPI document to `services/payments/openapi.json`, so API changes show
 * up in review as a diff. `test/openapi.test.ts` fails when the committed file is stale.
 *
 *   node services/payments/scripts/write-openapi.ts
 */
import { fileURLToPath } from 'node:url'
import { formatOpenApi, generateOpenApiDocument, writeOpenApiDocument } from '@kokdala/core'
import { buildPaymentsApp } from '../src/app.ts'
import { loadPaymentsConfig } from '../src/config.ts'

export { formatOpenApi }

/** Where the committed document lives. */
export const openApiPath = fileURLToPath(new URL('../openapi.json', import.meta.url))

/** The document of the app built with fixed settings (not process.env: it must not depend on where it is made). */
export function generatePaymentsOpenApi(): Promise<Record<string, unknown>> {
  const config = loadPaymentsConfig({ PAYMENTS_PORT: '0', LOG_LEVEL: 'warn' })
  return generateOpenApiDocument((db) => buildPaymentsApp({ config, db, background: false }))
}

if (import.meta.main) await writeOpenApiDocument(openApiPath, await generatePaymentsOpenApi())
