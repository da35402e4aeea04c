import { setTimeout as sleep } from 'node:timers/promises'
import { type Clock, type Keyring, SealedSecretError, secretFingerprint } from '@kokdala/core'
import { actionOfCode, type WebkassaClient, type WebkassaResult } from '@kokdala/webkassa'
import { FiscalError } from '../../errors.ts'
import type { RefreshReason, SessionRepository, SessionRow } from './repository.ts'

/**
 * What other modules get from the tokens module: one Webkassa call at a time with the account's current token.
 * Codes 2/3 → one refresh (single-flight across every process, by generation compare-and-swap under a database
 * lease) and one replay; while a refresh is under way new calls wait for its token instead of starting with the one
 * being replaced. Code 1 → the account is blocked (no retry storm) and the call returns the errors.
 */
export interface WebkassaSession {
  /** Runs one Webkassa call with the current token (see the interface's description). */
  withToken<T>(call: (token: string) => Promise<WebkassaResult<T>>): Promise<WebkassaResult<T>>
}

/** A Webkassa outcome that is not a success, as every `WebkassaResult<T>` can carry it. */
export type WebkassaFailure = Exclude<WebkassaResult<never>, { kind: 'ok' }>

type Current = { kind: 'token'; token: string; generation: number } | { kind: 'failed'; failure: WebkassaFailure }

export interface TokenServiceDeps {
  repository: SessionRepository
  keyring: Keyring
  client: Pick<WebkassaClient, 'authorize'>
  /** Absent in development without configuration: every call then fails with WEBKASSA_NOT_CONFIGURED. */
  credentials: { login: string; password: string } | undefined
  clock: Clock
  log: { info(object: object, message: string): void; warn(object: object, message: string): void }
  /** This process's name on the lease (host, port, worker index). */
  owner: string
  accountId?: string
  /** A lease not given back within this long (its process died) may be taken over; above the login's timeout. */
  leaseMs: number
  /** After code 1 no login is tried for this long. */
  blockMs: number
  /** How often a process waiting for another's refresh looks at the row. */
  pollMs?: number
  /** `last_used_at` of the token's history row is written at most this often per process. */
  touchEveryMs?: number
}

/** A token Webkassa could put in a body: visible ASCII, bounded. */
const TOKEN_TEXT = /^[\x21-\x7e]{1,512}$/
const UNKNOWN_REASONS = new Set(['timeout', 'network', 'http_status', 'malformed'])

const isTokenRefused = (result: WebkassaResult<unknown>) =>
  result.kind === 'errors' && result.errors.some((error) => actionOfCode(error.Code) === 'refresh_token')
const isCredentialsRefused = (result: WebkassaResult<unknown>) =>
  result.kind === 'errors' && result.errors.some((error) => actionOfCode(error.Code) === 'credentials_invalid')

/** The failure a row records (the last login's), as a call's result. */
function failureOf(row: Pick<SessionRow, 'lastErrorCode' | 'lastErrorText'>): WebkassaFailure {
  if (row.lastErrorCode !== null) {
    return { kind: 'errors', errors: [{ Code: row.lastErrorCode, Text: row.lastErrorText ?? '' }] }
  }
  const reason = UNKNOWN_REASONS.has(row.lastErrorText ?? '') ? row.lastErrorText : 'network'
  return { kind: 'unknown', reason: reason as 'network' }
}

/**
 * The account's Webkassa session: the token shared by every process through the database, obtained on demand,
 * replaced on codes 2/3, on the schedule and by an operator — always through `refresh`, which logs in at most once
 * per generation across the deployment.
 */
export function createTokenService({
  repository,
  keyring,
  client,
  credentials,
  clock,
  log,
  owner,
  accountId = 'default',
  leaseMs,
  blockMs,
  pollMs = 25,
  touchEveryMs = 60_000,
}: TokenServiceDeps) {
  /** The last token this process opened, so a call costs one small read, not a decryption. */
  let cached: { generation: number; token: string } | undefined
  /** The refresh this process is running or waiting for: its callers share it. */
  let pending: Promise<Current> | undefined
  const touched = new Map<number, number>()

  const now = () => clock.now()
  const leaseHeld = (row: SessionRow) => row.leaseUntil !== null && row.leaseUntil.getTime() > now().getTime()
  const blocked = (row: SessionRow) => row.blockedUntil !== null && row.blockedUntil.getTime() > now().getTime()

  /** The token of a row, opened once per generation; undefined when it cannot be opened (key gone, tampered). */
  function tokenOf(row: SessionRow): string | undefined {
    if (row.sealed === null) return undefined
    if (cached?.generation === row.generation) return cached.token
    try {
      const token = keyring.open(row.sealed, row.accountId)
      cached = { generation: row.generation, token }
      return token
    } catch (error) {
      if (!(error instanceof SealedSecretError)) throw error
      log.warn(
        { account: row.accountId, generation: row.generation, keyVersion: row.sealed.keyVersion, reason: error.reason },
        'stored webkassa token cannot be opened; logging in again',
      )
      return undefined
    }
  }

  /** Waits while another process holds the lease for generation `seen`; returns the row once it is settled. */
  async function waitForOthers(seen: number): Promise<SessionRow> {
    for (;;) {
      const row = await repository.read(accountId, now())
      if (row.generation > seen || !leaseHeld(row)) return row
      await sleep(pollMs)
    }
  }

  async function login(seen: number, reason: RefreshReason): Promise<Current> {
    if (!credentials) throw new FiscalError('WEBKASSA_NOT_CONFIGURED')
    const result = await client.authorize(credentials.login, credentials.password)
    const at = now()
    if (result.kind === 'ok' && typeof result.data?.Token === 'string' && TOKEN_TEXT.test(result.data.Token)) {
      const token = result.data.Token
      const fingerprint = secretFingerprint(token)
      const stored = await repository.storeToken({
        accountId,
        seen,
        owner,
        sealed: keyring.seal(token, accountId),
        fingerprint,
        reason,
        now: at,
      })
      if (!stored) {
        // Our lease ran out and another process refreshed meanwhile: the row's token is the one in force.
        log.warn({ account: accountId, generation: seen, fingerprint }, 'webkassa refresh lease lost; using the newer')
        return { kind: 'failed', failure: { kind: 'unknown', reason: 'timeout' } }
      }
      cached = { generation: seen + 1, token }
      log.info({ account: accountId, generation: seen + 1, fingerprint, reason }, 'webkassa token obtained')
      return { kind: 'token', token, generation: seen + 1 }
    }
    const failure: WebkassaFailure =
      result.kind === 'ok' ? { kind: 'unknown', reason: 'malformed' } : (result as WebkassaFailure)
    const credentialsRefused = isCredentialsRefused(failure)
    const first = failure.kind === 'errors' ? failure.errors[0] : undefined
    await repository.recordFailure({
      accountId,
      owner,
      code: first?.Code ?? null,
      text: failure.kind === 'errors' ? (first?.Text ?? '').slice(0, 500) : failure.reason,
      now: at,
      blockedUntil: credentialsRefused ? new Date(at.getTime() + blockMs) : null,
    })
    log.warn(
      {
        account: accountId,
        generation: seen,
        reason,
        codes: failure.kind === 'errors' ? failure.errors.map((error) => error.Code) : undefined,
        outcome: failure.kind === 'unknown' ? failure.reason : undefined,
        blockedForMs: credentialsRefused ? blockMs : undefined,
      },
      credentialsRefused ? 'webkassa refused the credentials; logins paused' : 'webkassa login failed',
    )
    return { kind: 'failed', failure }
  }

  /**
   * A token newer than generation `seen`: the one another process or caller already obtained, or one this process
   * logs in for under the lease. Every caller in this process shares one run; across processes the lease's
   * compare-and-swap on `seen` lets one log in while the others wait and read its result.
   */
  function refresh(seen: number, reason: RefreshReason, { ignoreBlock = false } = {}): Promise<Current> {
    const shared = pending
    if (shared) {
      return shared.then((outcome) =>
        outcome.kind === 'token' && outcome.generation <= seen ? refresh(seen, reason, { ignoreBlock }) : outcome,
      )
    }
    const run = (async (): Promise<Current> => {
      /** The last login failure seen before waiting for another process's login (undefined: not waited yet). */
      let failureBeforeWait: number | null | undefined
      for (;;) {
        const row = await repository.read(accountId, now())
        if (row.generation > seen) {
          const token = tokenOf(row)
          if (token !== undefined) return { kind: 'token', token, generation: row.generation }
          seen = row.generation
          continue
        }
        // The login we waited for failed: its answer is ours too (one failure, not one login per process).
        const lastFailure = row.lastErrorAt?.getTime() ?? null
        if (failureBeforeWait !== undefined && lastFailure !== failureBeforeWait) {
          return { kind: 'failed', failure: failureOf(row) }
        }
        if (blocked(row) && !ignoreBlock) return { kind: 'failed', failure: failureOf(row) }
        const at = now()
        const won = await repository.takeLease({
          accountId,
          seen,
          owner,
          now: at,
          until: new Date(at.getTime() + leaseMs),
          ignoreBlock,
        })
        if (won) return login(seen, reason)
        failureBeforeWait = lastFailure
        await waitForOthers(seen)
      }
    })()
    pending = run
    const clear = () => {
      if (pending === run) pending = undefined
    }
    run.then(clear, clear)
    return run
  }

  /** The token to call with: waits for a refresh under way here or elsewhere, logs in when there is none. */
  async function current(): Promise<Current> {
    if (pending) await pending.catch(() => undefined)
    let row = await repository.read(accountId, now())
    if (leaseHeld(row)) row = await waitForOthers(row.generation)
    const token = tokenOf(row)
    if (token !== undefined) return { kind: 'token', token, generation: row.generation }
    return refresh(row.generation, 'on_demand')
  }

  function touch(generation: number) {
    const at = now().getTime()
    if (at - (touched.get(generation) ?? 0) < touchEveryMs) return
    touched.clear()
    touched.set(generation, at)
    repository
      .touch(accountId, generation, new Date(at))
      .catch((error) => log.warn({ err: error, account: accountId }, 'token use could not be recorded'))
  }

  const session: WebkassaSession = {
    async withToken<T>(call: (token: string) => Promise<WebkassaResult<T>>): Promise<WebkassaResult<T>> {
      const first = await current()
      if (first.kind === 'failed') return first.failure
      const result = await call(first.token)
      // "Last used" is the last call Webkassa accepted the token for.
      if (!isTokenRefused(result)) {
        touch(first.generation)
        return result
      }
      // Not counted as an attempt of the caller's job: the token, not the request, was refused.
      const fresh = await refresh(first.generation, 'expired')
      if (fresh.kind === 'failed') return fresh.failure
      const replay = await call(fresh.token)
      if (!isTokenRefused(replay)) touch(fresh.generation)
      return replay
    },
  }

  return {
    session,
    /**
     * An operator's refresh (`kokdala fiscal token refresh`, POST /api/token/refresh): replaces the token in force
     * through the same single-flight path, and tries even while the account is blocked (the password was fixed).
     */
    async refreshNow(reason: RefreshReason = 'manual'): Promise<Current> {
      const row = await repository.read(accountId, now())
      return refresh(row.generation, reason, { ignoreBlock: reason === 'manual' })
    },
    /**
     * The daily refresh of `slot`: skipped when a token was obtained since the slot began (another process's
     * schedule, or a refresh on code 2), so N processes with N random delays still log in once a day.
     */
    async refreshScheduled(slot: Date): Promise<'refreshed' | 'skipped' | 'failed'> {
      const row = await repository.read(accountId, now())
      if (row.obtainedAt !== null && row.obtainedAt.getTime() >= slot.getTime()) return 'skipped'
      if (!credentials) return 'skipped'
      const outcome = await refresh(row.generation, 'scheduled')
      return outcome.kind === 'token' ? 'refreshed' : 'failed'
    },
    /** Everything about the token but the token. */
    async status() {
      const at = now()
      const row = await repository.read(accountId, at)
      const history = await repository.history(accountId, 10)
      return {
        account: accountId,
        configured: credentials !== undefined,
        hasToken: row.sealed !== null,
        generation: row.generation,
        fingerprint: row.fingerprint,
        keyVersion: row.sealed?.keyVersion ?? null,
        obtainedAt: row.obtainedAt,
        ageSeconds: row.obtainedAt ? Math.max(0, Math.floor((at.getTime() - row.obtainedAt.getTime()) / 1000)) : null,
        lastRefreshReason: row.lastRefreshReason,
        refreshing: leaseHeld(row),
        lastError:
          row.lastErrorAt === null
            ? null
            : { code: row.lastErrorCode, text: row.lastErrorText ?? '', at: row.lastErrorAt },
        blocked: blocked(row),
        blockedUntil: blocked(row) ? row.blockedUntil : null,
        history,
      }
    },
  }
}

export type TokenService = ReturnType<typeof createTokenService>
export type TokenStatus = Awaited<ReturnType<TokenService['status']>>
