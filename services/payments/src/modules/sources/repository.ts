import type { Queryable } from '@kokdala/core'

export interface SourceRow {
  id: number
  name: string
  createdAt: Date
}

const COLUMNS = 'id, name, created_at AS "createdAt"'

/** The only SQL of the sources module (table `source`; its tokens are core's api_token store). */
export function createSourceRepository(db: Queryable) {
  return {
    /** Inserts a source; undefined when the name is taken. */
    async insert(name: string, now: Date): Promise<SourceRow | undefined> {
      const { rows } = await db.query<SourceRow>(
        `INSERT INTO source (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING ${COLUMNS}`,
        [name, now],
      )
      return rows[0]
    },
    async byName(name: string): Promise<SourceRow | undefined> {
      const { rows } = await db.query<SourceRow>(`SELECT ${COLUMNS} FROM source WHERE name = $1`, [name])
      return rows[0]
    },
    async list(): Promise<SourceRow[]> {
      const { rows } = await db.query<SourceRow>(`SELECT ${COLUMNS} FROM source ORDER BY id`)
      return rows
    },
  }
}

export type SourceRepository = ReturnType<typeof createSourceRepository>
