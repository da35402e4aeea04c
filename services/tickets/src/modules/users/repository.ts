import type { Queryable } from '@kokdala/core'

export interface UserCredentials {
  id: number
  passwordHash: string
}

/** The only place that reads users. */
export function createUserRepository(db: Queryable) {
  return {
    async findCredentials(email: string): Promise<UserCredentials | undefined> {
      const { rows } = await db.query<UserCredentials>(
        'SELECT id, password_hash AS "passwordHash" FROM app_user WHERE email = $1',
        [email],
      )
      return rows[0]
    },
  }
}
