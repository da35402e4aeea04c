/**
 * A service's committed OpenAPI document (`services/<name>/openapi.json`): generated from its route schemas on a
 * throwaway in-memory database, written as 2-space JSON, and compared by the service's test with what is committed.
 */
import { writeFile } from 'node:fs/promises'
import { relative } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { type Database, openDatabase } from './db.ts'

/** Builds the app on an in-memory PGlite (never the caller's database) and returns its OpenAPI document. */
export async function generateOpenApiDocument(
  migrationsDir: string[],
  build: (db: Database) => Promise<{ app: FastifyInstance }>,
): Promise<Record<string, unknown>> {
  const db = await openDatabase({ migrationsDir })
  try {
    const { app } = await build(db)
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
