import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { SimClock } from './clock.ts'
import { WebkassaSimError } from './errors.ts'

/** A Webkassa user (a merchant's cashier login) and the cashboxes it may use. */
export interface Account {
  login: string
  password: string
  /** Unique numbers (ZNK) of the cashboxes this user has access to; others give code 5. */
  cashboxes: Set<string>
  /** Authorize calls that succeeded or not, for single-flight assertions. */
  authorizeCalls: number
  /** When a cashier name is printed on receipts. */
  employeeName: string
}

interface Session {
  login: string
  issuedAt: number
  /** `expired`: code 2 from now on (TTL passed, `expireToken`, or replaced by a newer login). */
  expired: boolean
}

export interface TokenPolicy {
  /** A new Authorize makes the account's older tokens answer code 2 (the strict reading of the legacy doc). */
  invalidatePreviousTokens: boolean
  /** A token older than this answers code 2; 0 = no age limit. */
  tokenTtlMs: number
}

function same(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest()
  return timingSafeEqual(digest(given), digest(expected))
}

/**
 * Accounts and their session tokens. Every Authorize issues a new 32-hex token; the policy decides whether older
 * ones die with it and how long one lives. A missing or unknown token is code 3, an expired or replaced one code 2.
 */
export function createAccounts(clock: SimClock, policy: () => TokenPolicy) {
  const accounts = new Map<string, Account>()
  const sessions = new Map<string, Session>()
  let authorizeTotal = 0

  function add(input: { login: string; password: string; cashboxes: Iterable<string>; employeeName?: string }) {
    const account: Account = {
      login: input.login,
      password: input.password,
      cashboxes: new Set(input.cashboxes),
      authorizeCalls: accounts.get(input.login)?.authorizeCalls ?? 0,
      employeeName: input.employeeName ?? 'Кассир Kokdala',
    }
    accounts.set(input.login, account)
    return account
  }

  return {
    add,
    get: (login: string) => accounts.get(login),
    list: () => [...accounts.values()],

    /** `Authorize`: code 1 on a wrong pair (counted all the same: a retry storm must show). */
    authorize(login: unknown, password: unknown): { Token: string } {
      authorizeTotal += 1
      const account = typeof login === 'string' ? accounts.get(login) : undefined
      if (account) account.authorizeCalls += 1
      if (!account || typeof password !== 'string' || !same(password, account.password)) {
        throw new WebkassaSimError(1)
      }
      if (policy().invalidatePreviousTokens) {
        for (const session of sessions.values()) if (session.login === account.login) session.expired = true
      }
      const token = randomBytes(16).toString('hex')
      sessions.set(token, { login: account.login, issuedAt: clock.now().getTime(), expired: false })
      return { Token: token }
    },

    /** The account a token belongs to, or code 3 (missing, garbage, unknown) / 2 (expired, replaced). */
    accountOf(token: unknown): Account {
      if (typeof token !== 'string' || token === '' || token.length > 200) throw new WebkassaSimError(3)
      const session = sessions.get(token)
      const account = session ? accounts.get(session.login) : undefined
      if (!session || !account) throw new WebkassaSimError(3)
      const { tokenTtlMs } = policy()
      if (tokenTtlMs > 0 && clock.now().getTime() - session.issuedAt >= tokenTtlMs) session.expired = true
      if (session.expired) throw new WebkassaSimError(2)
      return account
    },

    /** Every live token of the account answers code 2 from now on; returns how many there were. */
    expireTokens(login: string): number {
      let expired = 0
      for (const session of sessions.values()) {
        if (session.login === login && !session.expired) {
          session.expired = true
          expired += 1
        }
      }
      return expired
    },

    /** Authorize counts: total and per login. */
    authorizeCounts() {
      return {
        total: authorizeTotal,
        byLogin: Object.fromEntries([...accounts.values()].map((account) => [account.login, account.authorizeCalls])),
      }
    },

    liveTokens: (login: string) => [...sessions.values()].filter((s) => s.login === login && !s.expired).length,

    reset() {
      accounts.clear()
      sessions.clear()
      authorizeTotal = 0
    },
  }
}

export type Accounts = ReturnType<typeof createAccounts>
