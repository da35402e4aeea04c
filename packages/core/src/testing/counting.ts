import type { Database } from '../db.ts'

/** The database with every statement counted, so a test can tell a cache hit from a read. */
export function countingDatabase(db: Database) {
  const counter = { queries: 0 }
  const query = db.query.bind(db)
  const counted = Object.assign(Object.create(db) as Database, {
    query: ((sql: string, params?: unknown[]) => {
      counter.queries++
      return query(sql, params)
    }) as Database['query'],
  })
  return { db: counted, counter }
}
