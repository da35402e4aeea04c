import {
  AppError,
  basicAuthToken,
  type Clock,
  constantTimeEqual,
  parseBasicAuth,
  sha256Hex,
  systemClock,
  TtlCache,
} from '@kokdala/core'
import type { createUserRepository } from './repository.ts'

const UNKNOWN_USER_HASH = sha256Hex('no such user')

export interface UserServiceDeps {
  users: ReturnType<typeof createUserRepository>
  clock?: Clock
  /** How many distinct verified credentials stay in memory. */
  cacheSize?: number
  cacheTtlMs?: number
  /** The estimated memory they may take, in bytes. */
  cacheMaxBytes?: number
}

interface Verified {
  userId: number
  username: string
}

// The token and the username as strings (two bytes per character at worst), the Map slot and the value object.
const verifiedBytes = (token: string, value: Verified) => 2 * (token.length + value.username.length) + 128

/**
 * Basic Auth against the users table. Verified credentials are remembered, so a hot client costs no database
 * round trip; only successes are cached, so a wrong password is always checked afresh. The cache is keyed by the
 * header's base64 token, which stands for the credentials one to one because `parseBasicAuth` accepts only
 * canonical base64 and strict UTF-8: variants of one header never make a second entry.
 */
export function createUserService({
  users,
  clock = systemClock,
  cacheSize = 100_000,
  cacheTtlMs = 300_000,
  cacheMaxBytes = 32 << 20,
}: UserServiceDeps) {
  const verified = new TtlCache<string, Verified>(cacheSize, cacheTtlMs, {
    maxBytes: cacheMaxBytes,
    sizeOf: verifiedBytes,
  })

  return {
    /** Returns the user id for valid Basic credentials, or throws UNAUTHORIZED. */
    async authenticate(header: string | undefined): Promise<number> {
      const now = clock.now().getTime()
      const token = basicAuthToken(header)
      const cached = token === undefined ? undefined : verified.get(token, now)
      if (cached) return cached.userId
      const credentials = parseBasicAuth(header)
      if (!credentials) {
        throw new AppError('UNAUTHORIZED', header ? 'Malformed Basic credentials' : 'Basic authentication is required')
      }
      const { username, password } = credentials
      const user = await users.findCredentials(username)
      // An unknown e-mail costs the same hash and comparison as a wrong password, so timing reveals nothing.
      const matches = constantTimeEqual(user?.passwordHash ?? UNKNOWN_USER_HASH, sha256Hex(password))
      if (!user || !matches) {
        throw new AppError('UNAUTHORIZED', 'Invalid email or password')
      }
      verified.set(token as string, { userId: user.id, username }, now)
      return user.id
    },

    /** How many verified credentials are held in memory (for tests and metrics). */
    get cachedCredentials(): number {
      return verified.size
    },
  }
}

export type UserService = ReturnType<typeof createUserService>
