/**
 * A service's committed OpenAPI document (`services/<name>/openapi.json`): generated from its route schemas without a
 * database, written as 2-space JSON, and compared by the service's test with what is committed.
 */
import { writeFile } from 'node:fs/promises'
import { relative } from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { Database } from './db.ts'

/**
 * A database that refuses every use: building an app and asking it for its routes' schemas never touches one, and
 * the document must not depend on data. (An in-memory PGlite with the migrations took most of the time.)
 */
const NO_DATABASE: Database = {
  kind: 'postgres',
  query: () => Promise.reject(new Error('the OpenAPI document is generated without a database')),
  exec: () => Promise.reject(new Error('the OpenAPI document is generated without a database')),
  transaction: () => Promise.reject(new Error('the OpenAPI document is generated without a database')),
  copyRows: () => Promise.reject(new Error('the OpenAPI document is generated without a database')),
  poolStats: () => ({ total: 0, idle: 0, waiting: 0 }),
  close: () => Promise.resolve(),
}

/** Builds the app on no database (never the caller's) and returns its OpenAPI document. */
export async function generateOpenApiDocument(
  build: (db: Database) => Promise<{ app: FastifyInstance }>,
): Promise<Record<string, unknown>> {
  const { app } = await build(NO_DATABASE)
  try {
    await app.ready()
    return app.swagger() as unknown as Record<string, unknown>
  } finally {
    await app.close()
  }
}

/** The file's exact text: 2-space JSON in generation order, with a trailing newline. */
export function formatOpenApi(document: unknown): string {
  return `${JSON.stringify(document, null, 2)}\n`
}

/** Writes the document and prints what was written. */
export async function writeOpenApiDocument(path: string, document: Record<string, unknown>): Promise<void> {
  const text = formatOpenApi(document)
  await writeFile(path, text)
  const paths = Object.values((document.paths ?? {}) as Record<string, object>)
  const operations = paths.reduce((sum, item) => sum + Object.keys(item).length, 0)
  process.stdout.write(
    `Wrote ${relative(process.cwd(), path)}: ${paths.length} paths, ${operations} operations, ${Buffer.byteLength(text)} bytes\n`,
  )
}
