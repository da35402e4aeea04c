import { type ChangeFeed, createNotifiedCache, type Database, type Queryable, type SealedSecret } from '@kokdala/core'

/** Why a token was obtained: on first use, after Webkassa refused the old one, by the schedule, by an operator. */
export type RefreshReason = 'on_demand' | 'expired' | 'scheduled' | 'manual'

/** The account's row, the sealed token included (only the session opens it). */
export interface SessionRow {
  accountId: string
  generation: number
  sealed: SealedSecret | null
  fingerprint: string | null
  obtainedAt: Date | null
  leaseOwner: string | null
  leaseUntil: Date | null
  lastRefreshReason: RefreshReason | null
  lastErrorCode: number | null
  lastErrorText: string | null
  lastErrorAt: Date | null
  blockedUntil: Date | null
}

export interface HistoryRow {
  generation: number
  fingerprint: string
  reason: RefreshReason
  obtainedBy: string
  createdAt: Date
  lastUsedAt: Date | null
  replacedAt: Date | null
}

const COLUMNS = `account_id AS "accountId", generation::integer AS generation,
  token_ciphertext AS "ciphertext", token_key_version AS "keyVersion", token_fingerprint AS fingerprint,
  obtained_at AS "obtainedAt", refresh_lease_owner AS "leaseOwner", refresh_lease_until AS "leaseUntil",
  last_refresh_reason AS "lastRefreshReason", last_error_code AS "lastErrorCode",
  last_error_text AS "lastErrorText", last_error_at AS "lastErrorAt", auth_blocked_until AS "blockedUntil"`

type RawRow = Omit<SessionRow, 'sealed'> & { ciphertext: string | null; keyVersion: string | null }

const toRow = ({ ciphertext, keyVersion, ...rest }: RawRow): SessionRow => ({
  ...rest,
  sealed: ciphertext !== null && keyVersion !== null ? { ciphertext, keyVersion } : null,
})

/**
 * How long a copy of the session row is trusted without a change heard (a bound, not the mechanism: every write of
 * the row is heard through the change feed, migration 012).
 */
const SESSION_COPY_MS = 60_000

/**
 * The only place with SQL on `webkassa_session` and its history. With a change feed, `read` answers from a copy that
 * every write of the row empties (this process's at once, other processes' through migration 012's notifications),
 * so a receipt does not read the row once per Webkassa call; a refresh taken elsewhere is seen as soon as its lease
 * commits, as it was seen by the next read before.
 */
export function createSessionRepository(db: Database, changes?: ChangeFeed) {
  const copies = changes && createNotifiedCache<SessionRow>({ feed: changes, maxEntries: 16 })
  const changed = (accountId: string) => changes?.changed(accountId)

  async function readRow(accountId: string, now: Date): Promise<SessionRow> {
    const found = await db.query<RawRow>(`SELECT ${COLUMNS} FROM webkassa_session WHERE account_id = $1`, [accountId])
    if (found.rows[0]) return toRow(found.rows[0])
    await db.query(
      `INSERT INTO webkassa_session (account_id, updated_at) VALUES ($1, $2) ON CONFLICT (account_id) DO NOTHING`,
      [accountId, now],
    )
    const created = await db.query<RawRow>(`SELECT ${COLUMNS} FROM webkassa_session WHERE account_id = $1`, [accountId])
    return toRow(created.rows[0] as RawRow)
  }

  return {
    /** The account's row, created empty (generation 0, no token) on first use. */
    async read(accountId: string, now: Date): Promise<SessionRow> {
      if (!copies) return readRow(accountId, now)
      const at = now.getTime()
      return (
        copies.get(accountId, at) ??
        copies.load(
          accountId,
          () => readRow(accountId, now),
          () => at + SESSION_COPY_MS,
        )
      )
    },

    /**
     * Takes the refresh lease if the token is still at generation `seen`, no live lease is held, and (unless
     * `ignoreBlock`) the account is not blocked: one conditional UPDATE, so of any number of processes racing for
     * one generation exactly one wins.
     */
    async takeLease(input: {
      accountId: string
      seen: number
      owner: string
      now: Date
      until: Date
      ignoreBlock: boolean
    }): Promise<boolean> {
      // Every write of the row empties the copies, this process's at once (finally: a failed statement too).
      try {
        const { rows } = await db.query(
          `UPDATE webkassa_session
            SET refresh_lease_owner = $3, refresh_lease_until = $5, updated_at = $4
          WHERE account_id = $1 AND generation = $2
            AND (refresh_lease_until IS NULL OR refresh_lease_until <= $4)
            AND ($6 OR auth_blocked_until IS NULL OR auth_blocked_until <= $4)
        RETURNING 1`,
          [input.accountId, input.seen, input.owner, input.now, input.until, input.ignoreBlock],
        )
        return rows.length === 1
      } finally {
        changed(input.accountId)
      }
    },

    /**
     * Stores the token obtained under the lease as generation `seen + 1`, closes the replaced token's history row
     * and opens the new one, in one transaction. False when the lease was lost (it expired and another process
     * took it): then nothing is written.
     */
    async storeToken(input: {
      accountId: string
      seen: number
      owner: string
      sealed: SealedSecret
      fingerprint: string
      reason: RefreshReason
      now: Date
    }): Promise<boolean> {
      return db
        .transaction(async (tx: Queryable) => {
          const { rows } = await tx.query(
            `UPDATE webkassa_session
              SET generation = generation + 1, token_ciphertext = $4, token_key_version = $5, token_fingerprint = $6,
                  obtained_at = $7, last_refresh_reason = $8, refresh_lease_owner = NULL, refresh_lease_until = NULL,
                  last_error_code = NULL, last_error_text = NULL, last_error_at = NULL, auth_blocked_until = NULL,
                  updated_at = $7
            WHERE account_id = $1 AND generation = $2 AND refresh_lease_owner = $3
          RETURNING 1`,
            [
              input.accountId,
              input.seen,
              input.owner,
              input.sealed.ciphertext,
              input.sealed.keyVersion,
              input.fingerprint,
              input.now,
              input.reason,
            ],
          )
          if (rows.length === 0) return false
          await tx.query(
            `UPDATE webkassa_session_history SET replaced_at = $3
            WHERE account_id = $1 AND generation = $2 AND replaced_at IS NULL`,
            [input.accountId, input.seen, input.now],
          )
          await tx.query(
            `INSERT INTO webkassa_session_history (account_id, generation, token_fingerprint, reason, obtained_by,
                                                 created_at)
           VALUES ($1, $2, $3, $4, $5, $6)`,
            [input.accountId, input.seen + 1, input.fingerprint, input.reason, input.owner, input.now],
          )
          return true
        })
        .finally(() => changed(input.accountId))
    },

    /** Records a failed login and gives the lease back; `blockedUntil` set when the credentials were refused. */
    async recordFailure(input: {
      accountId: string
      owner: string
      code: number | null
      text: string
      now: Date
      blockedUntil: Date | null
    }): Promise<void> {
      await db
        .query(
          `UPDATE webkassa_session
            SET refresh_lease_owner = NULL, refresh_lease_until = NULL, last_error_code = $3, last_error_text = $4,
                last_error_at = $5, auth_blocked_until = COALESCE($6, auth_blocked_until), updated_at = $5
          WHERE account_id = $1 AND refresh_lease_owner = $2`,
          [input.accountId, input.owner, input.code, input.text, input.now, input.blockedUntil],
        )
        .finally(() => changed(input.accountId))
    },

    /** Notes that the token of `generation` was used (callers throttle this). */
    async touch(accountId: string, generation: number, now: Date): Promise<void> {
      await db.query(
        `UPDATE webkassa_session_history SET last_used_at = $3
          WHERE account_id = $1 AND generation = $2 AND (last_used_at IS NULL OR last_used_at < $3)`,
        [accountId, generation, now],
      )
    },

    /** The account's most recent tokens, newest first. */
    async history(accountId: string, limit: number): Promise<HistoryRow[]> {
      const { rows } = await db.query<HistoryRow>(
        `SELECT generation::integer AS generation, token_fingerprint AS fingerprint, reason, obtained_by AS "obtainedBy",
                created_at AS "createdAt", last_used_at AS "lastUsedAt", replaced_at AS "replacedAt"
           FROM webkassa_session_history WHERE account_id = $1 ORDER BY generation DESC LIMIT $2`,
        [accountId, limit],
      )
      return rows
    },
  }
}

export type SessionRepository = ReturnType<typeof createSessionRepository>
