import { TtlCache } from './auth.ts'

/** At most `max` failures in a window of `windowMs`, counted from a key's first failure in it. */
export interface FailureLimit {
  max: number
  windowMs: number
}

export interface FailureThrottleOptions {
  /** Strict: one client guessing one account's secret. */
  perAccountAndIp: FailureLimit
  /** One client trying many accounts (credential stuffing). */
  perIp: FailureLimit
  /** Looser: many clients guessing one account; see `FailureThrottle` for whom it stops. */
  perAccount: FailureLimit
  /** Keys tracked per kind (pair, IP, account); the oldest windows are forgotten first beyond it. */
  maxKeys?: number
  /** Estimated memory per kind, in bytes; the oldest windows are forgotten first beyond it. */
  maxBytes?: number
}

interface Window {
  count: number
  resetAt: number
}

// A key held as a string (two bytes per character at worst) plus the Map slot and the window object.
const windowBytes = (key: string) => 2 * key.length + 96

/** Failures per key in fixed windows, in bounded memory: expired windows are swept as new ones open. */
class FailureCounter {
  readonly #windows: TtlCache<string, Window>
  readonly #limit: FailureLimit
  constructor(limit: FailureLimit, maxKeys: number, maxBytes: number) {
    this.#limit = limit
    this.#windows = new TtlCache(maxKeys, limit.windowMs, { maxBytes, sizeOf: windowBytes })
  }
  get size(): number {
    return this.#windows.size
  }
  /** The key's open window, if it has one. */
  window(key: string, now: number): Window | undefined {
    return this.#windows.get(key, now)
  }
  /** When the key may try again (ms since the epoch), or 0 while it is under its limit. */
  blockedUntil(key: string, now: number): number {
    const window = this.#windows.get(key, now)
    return window && window.count >= this.#limit.max ? window.resetAt : 0
  }
  fail(key: string, now: number): void {
    const window = this.#windows.get(key, now)
    // Counted in place: the window keeps its place in the cache, which is the order windows end in.
    if (window) window.count++
    else this.#windows.set(key, { count: 1, resetAt: now + this.#limit.windowMs }, now)
  }
  forgive(key: string, now: number): void {
    const window = this.#windows.get(key, now)
    if (window && window.count > 0) window.count--
  }
}

/**
 * Counts failed logins per (account, IP) pair, per IP and per account, and says when a client must be refused
 * before its secret is even checked, so that guesses over the limit cost no database query and reveal nothing.
 *
 * The abuse a lockout invites is an attacker failing on purpose to lock a victim out. So:
 * - the strict limit is per (account, IP): one client guessing one account is stopped quickly, and that stops
 *   nobody else;
 * - per IP, a higher limit stops one client spraying many accounts; it shares a verdict only with others behind
 *   the same address;
 * - per account, a looser limit stops a guessing campaign spread over many addresses, but once it is reached it
 *   refuses only the addresses that have already failed on that account in their current window. A victim typing
 *   the right password from their own address is never locked out by someone else's failures, while each
 *   attacking address gets at most one more guess per window, so a distributed attack needs a fresh address per
 *   guess.
 * The windows are fixed and start at a key's first failure, so a refusal lifts at most one window later. Memory
 * is bounded per kind by keys and bytes; beyond that the oldest windows are forgotten, which an attacker could
 * only force with as many distinct failing addresses as there are slots. Counts are per process: with N workers
 * an address gets up to N times the limits, which is still far from the thousands of guesses a second it stops.
 */
export class FailureThrottle {
  readonly #pairs: FailureCounter
  readonly #ips: FailureCounter
  readonly #accounts: FailureCounter
  constructor({ perAccountAndIp, perIp, perAccount, maxKeys = 100_000, maxBytes = 16 << 20 }: FailureThrottleOptions) {
    this.#pairs = new FailureCounter(perAccountAndIp, maxKeys, maxBytes)
    this.#ips = new FailureCounter(perIp, maxKeys, maxBytes)
    this.#accounts = new FailureCounter(perAccount, maxKeys, maxBytes)
  }

  /** How many windows are open per kind (for tests and metrics). */
  get size(): { pairs: number; ips: number; accounts: number } {
    return { pairs: this.#pairs.size, ips: this.#ips.size, accounts: this.#accounts.size }
  }

  /**
   * Milliseconds until this client may try this account again, or 0 when it may try now. Cheap when the client
   * has no failures: a map look-up per kind.
   */
  retryAfterMs(account: string, ip: string, now: number): number {
    const pairKey = pairOf(account, ip)
    let until = Math.max(this.#pairs.blockedUntil(pairKey, now), this.#ips.blockedUntil(ip, now))
    const accountUntil = this.#accounts.blockedUntil(account, now)
    if (accountUntil > 0) {
      const pair = this.#pairs.window(pairKey, now)
      if (pair && pair.count > 0) until = Math.max(until, Math.min(accountUntil, pair.resetAt))
    }
    return until > now ? until - now : 0
  }

  /** Records a failed attempt of this client on this account. */
  fail(account: string, ip: string, now: number): void {
    this.#pairs.fail(pairOf(account, ip), now)
    this.#ips.fail(ip, now)
    this.#accounts.fail(account, now)
  }

  /**
   * Records an attempt whose secret is about to be checked as a failure of this client on this account only, so
   * that a burst of concurrent guesses at one account cannot all pass the limit while they wait for the check.
   * `settle` says how it ended. Only the pair is counted in advance: many accounts logging in at once from one
   * address (a NAT, a proxy, a load test) are not failures until their checks say so.
   */
  begin(account: string, ip: string, now: number): void {
    this.#pairs.fail(pairOf(account, ip), now)
  }

  /** Ends an attempt recorded by `begin`: taken back when the secret was right (or not checked), counted when not. */
  settle(account: string, ip: string, now: number, failed: boolean): void {
    if (!failed) {
      this.#pairs.forgive(pairOf(account, ip), now)
      return
    }
    this.#ips.fail(ip, now)
    this.#accounts.fail(account, now)
  }
}

// An address never holds a space, so the pair key splits one way only whatever the account holds.
const pairOf = (account: string, ip: string) => `${ip} ${account}`
