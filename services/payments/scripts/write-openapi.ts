/**
 * Writes the payment center's generated OpenAPI document to `services/payments/openapi.json`, so API changes show
 * up in review as a diff. `test/openapi.test.ts` fails when the committed file is stale.
 *
 *   node services/payments/scripts/write-openapi.ts
 */
import { writeFile } from 'node:fs/promises'
import { relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { openDatabase } from '@kokdala/core'
import { buildPaymentsApp, paymentsMigrations } from '../src/app.ts'
import { loadPaymentsConfig } from '../src/config.ts'

/** Where the committed document lives. */
export const openApiPath = fileURLToPath(new URL('../openapi.json', import.meta.url))

/** Builds the app on a throwaway in-memory database (never the caller's) and returns its OpenAPI document. */
export async function generatePaymentsOpenApi(): Promise<Record<string, unknown>> {
  const db = await openDatabase({ migrationsDir: paymentsMigrations })
  try {
    // Fixed settings rather than process.env: the document must not depend on where it is generated.
    const config = loadPaymentsConfig({ PAYMENTS_PORT: '0', LOG_LEVEL: 'warn' })
    const { app } = await buildPaymentsApp({ config, db, background: false })
    try {
      await app.ready()
      return app.swagger() as unknown as Record<string, unknown>
    } finally {
      await app.close()
    }
  } finally {
    await db.close()
  }
}

/** The file's exact text: 2-space JSON in generation order, with a trailing newline. */
export function formatOpenApi(document: unknown): string {
  return `${JSON.stringify(document, null, 2)}\n`
}

if (import.meta.main) {
  const document = await generatePaymentsOpenApi()
  const text = formatOpenApi(document)
  await writeFile(openApiPath, text)
  const paths = Object.values((document.paths ?? {}) as Record<string, object>)
  process.stdout.write(`Wrote ${relative(process.cwd(), openApiPath)}: ${paths.length} paths\n`)
}
