import { AppError, constantTimeEqual, parseBasicAuth, sha256Hex, TtlCache } from '@kokdala/core'
import type { createUserRepository } from './repository.ts'

const UNKNOWN_USER_HASH = sha256Hex('no such user')

export interface UserServiceDeps {
  users: ReturnType<typeof createUserRepository>
  /** How many distinct Authorization headers stay verified in memory. */
  cacheSize?: number
  cacheTtlMs?: number
}

/**
 * Basic Auth against the users table. A verified header is remembered, so a hot client costs no database
 * round trip; only successes are cached, so a wrong password is always checked afresh.
 */
export function createUserService({ users, cacheSize = 100_000, cacheTtlMs = 300_000 }: UserServiceDeps) {
  const verified = new TtlCache<string, number>(cacheSize, cacheTtlMs)
  return {
    /** Returns the user id for a valid `Authorization` header, or throws UNAUTHORIZED. */
    async authenticate(header: string | undefined): Promise<number> {
      if (header) {
        const cached = verified.get(header)
        if (cached !== undefined) return cached
      }
      const credentials = parseBasicAuth(header)
      if (!credentials) throw new AppError('UNAUTHORIZED', 'Basic authentication is required')
      const user = await users.findCredentials(credentials.username)
      // An unknown e-mail costs the same hash and comparison as a wrong password, so timing reveals nothing.
      const matches = constantTimeEqual(user?.passwordHash ?? UNKNOWN_USER_HASH, sha256Hex(credentials.password))
      if (!user || !matches) {
        throw new AppError('UNAUTHORIZED', 'Invalid email or password')
      }
      verified.set(header as string, user.id)
      return user.id
    },
  }
}

export type UserService = ReturnType<typeof createUserService>
