import {
  basicAuthToken,
  type Clock,
  constantTimeEqual,
  FailureThrottle,
  type FailureThrottleOptions,
  parseBasicAuth,
  sha256Hex,
  systemClock,
  TtlCache,
} from '@kokdala/core'
import { TicketsError } from '../../errors.ts'
import type { createUserRepository } from './repository.ts'

const UNKNOWN_USER_HASH = sha256Hex('no such user')

export interface UserServiceDeps {
  users: ReturnType<typeof createUserRepository>
  /** Failed logins per (account, IP), per IP and per account before a client is refused (see FailureThrottle). */
  failureLimits: Pick<FailureThrottleOptions, 'perAccountAndIp' | 'perIp' | 'perAccount'>
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
 * canonical base64 and strict UTF-8: variants of one header never make a second entry. Failed logins are counted
 * per account and address, and a client over the limits is refused (429) before its password is looked at.
 */
export function createUserService({
  users,
  failureLimits,
  clock = systemClock,
  cacheSize = 100_000,
  cacheTtlMs = 300_000,
  cacheMaxBytes = 32 << 20,
}: UserServiceDeps) {
  const verified = new TtlCache<string, Verified>(cacheSize, cacheTtlMs, {
    maxBytes: cacheMaxBytes,
    sizeOf: verifiedBytes,
  })
  const throttle = new FailureThrottle(failureLimits)
  /** Look-ups of credentials under way, by their canonical token. */
  const verifying = new Map<string, Promise<Verified | undefined>>()

  /** The user these credentials log in as, or undefined when they do not. */
  async function verify(username: string, password: string): Promise<Verified | undefined> {
    const user = await users.findCredentials(username)
    // An unknown e-mail costs the same hash and comparison as a wrong password, so timing reveals nothing.
    const matches = constantTimeEqual(user?.passwordHash ?? UNKNOWN_USER_HASH, sha256Hex(password))
    return user && matches ? { userId: user.id, username } : undefined
  }

  function refuseWhileThrottled(username: string, ip: string, now: number): void {
    const retryAfterMs = throttle.retryAfterMs(username, ip, now)
    if (retryAfterMs > 0) {
      throw new TicketsError(
        'RATE_LIMITED',
        'Too many failed logins; try again later',
        { retry_after_ms: retryAfterMs },
        { retryAfterMs },
      )
    }
  }

  return {
    /**
     * Returns the user id for valid Basic credentials from this client address; throws UNAUTHORIZED, or
     * RATE_LIMITED (details.retry_after_ms) while the client is throttled.
     */
    async authenticate(header: string | undefined, ip: string): Promise<number> {
      const now = clock.now().getTime()
      const token = basicAuthToken(header)
      const cached = token === undefined ? undefined : verified.get(token, now)
      if (cached) {
        // A throttled client is refused even with the right password, or a cached success would tell a guesser
        // which guess was right. With no failures on record this is a few map look-ups.
        refuseWhileThrottled(cached.username, ip, now)
        return cached.userId
      }
      const credentials = parseBasicAuth(header)
      if (!credentials) {
        throw new TicketsError(
          'UNAUTHORIZED',
          header ? 'Malformed Basic credentials' : 'Basic authentication is required',
        )
      }
      const { username, password } = credentials
      refuseWhileThrottled(username, ip, now)
      const key = token as string
      // The same credentials arriving at once (a client's burst of first requests) share one database look-up,
      // and are not each counted as a pending failure: only the first is.
      const pending = verifying.get(key)
      if (pending) {
        const joined = await pending
        if (joined) return joined.userId
        throttle.fail(username, ip, now)
        throw new TicketsError('UNAUTHORIZED', 'Invalid email or password')
      }
      // Counted against this address and account before the database answers, so concurrent guesses cannot all
      // slip under the limit; settled below when the answer is known.
      throttle.begin(username, ip, now)
      const verification = verify(username, password).finally(() => verifying.delete(key))
      verifying.set(key, verification)
      let user: Verified | undefined
      try {
        user = await verification
      } catch (error) {
        throttle.settle(username, ip, now, false)
        throw error
      }
      throttle.settle(username, ip, now, !user)
      if (!user) throw new TicketsError('UNAUTHORIZED', 'Invalid email or password')
      verified.set(key, user, now)
      return user.userId
    },

    /** How many verified credentials are held in memory (for tests and metrics). */
    get cachedCredentials(): number {
      return verified.size
    },
  }
}

export type UserService = ReturnType<typeof createUserService>
