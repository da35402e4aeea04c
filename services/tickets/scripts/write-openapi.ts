/**
 * Writes the tickets service's generated OpenAPI document to `services/tickets/openapi.json`, so API changes
 * show up in review as a diff. `test/openapi.test.ts` fails when the committed file is stale.
 *
 *   node services/tickets/scripts/write-openapi.ts
 */
import { writeFile } from 'node:fs/promises'
import { relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { openDatabase } from '@kokdala/core'
import { buildTicketsApp, ticketsMigrations } from '../src/app.ts'
import { loadTicketsConfig } from '../src/config.ts'

/** Where the committed document lives. */
export const openApiPath = fileURLToPath(new URL('../openapi.json', import.meta.url))

/** Builds the app on a throwaway in-memory database (never the caller's) and returns its OpenAPI document. */
export async function generateTicketsOpenApi(): Promise<Record<string, unknown>> {
  // An in-memory PGlite whatever the environment says: the document must not depend on where it is generated.
  const db = await openDatabase({ migrationsDir: ticketsMigrations })
  try {
    // Fixed settings rather than process.env, for the same reason.
    const config = loadTicketsConfig({
      TICKETS_PORT: '0',
      LOG_LEVEL: 'warn',
      TICKETS_PUBLIC_URL: 'http://127.0.0.1:8080',
    })
    const { app } = await buildTicketsApp({ config, db, background: false })
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
  const document = await generateTicketsOpenApi()
  const text = formatOpenApi(document)
  await writeFile(openApiPath, text)
  const paths = Object.values((document.paths ?? {}) as Record<string, object>)
  const operations = paths.reduce((sum, item) => sum + Object.keys(item).length, 0)
  process.stdout.write(
    `Wrote ${relative(process.cwd(), openApiPath)}: ${paths.length} paths, ${operations} operations, ${Buffer.byteLength(text)} bytes\n`,
  )
}
