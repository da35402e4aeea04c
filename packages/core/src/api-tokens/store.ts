import { randomBytes } from 'node:crypto'
import { crc32 } from 'node:zlib'
import { sha256Hex, TtlCache } from '../auth.ts'
import { type Clock, systemClock } from '../clock.ts'
import type { Database } from '../db.ts'
import { CoreError } from '../errors.ts'

/** An API token as the service sees it; never the secret, which exists only in the answer that created it. */
export interface ApiToken {
  id: number
  name: string
  subject: string
  scopes: string[]
  /** The token's first characters ('kk_live_Qm3x'), to tell tokens apart. */
  displayPrefix: string
  createdAt: Date
  expiresAt: Date | null
  revokedAt: Date | null
  lastUsedAt: Date | null
}

export interface NewApiToken {
  name: string
  subject: string
  scopes: string[]
  expiresAt?: Date | null
}

export interface ApiTokenStoreOptions {
  db: Database
  clock?: Clock
  /** Goes into every token ('kk_live_…' / 'kk_test_…'), so a test token pasted into production is plainly wrong. */
  environment?: 'live' | 'test'
  /**
   * How long a process trusts what it read about a token. A revocation reaches the process that made it at once
   * and every other process within this time; 30 s by default.
   */
  cacheTtlMs?: number
  cacheMaxEntries?: number
  /**
   * Characters in a token, 46 by default; more makes longer random parts (a contract may fix the length: the
   * payment center's tokens are 64 characters, as its seed promises). At least 46.
   */
  tokenLength?: number
}

/** kk_<env>_ + at least 32 random base64url characters (192 bits) + 6 characters of CRC-32 over everything before. */
const DEFAULT_TOKEN_LENGTH = 46
const HEAD_LENGTH = 'kk_live_'.length
const CHECKSUM_LENGTH = 6
const TOKEN_SHAPE = /^kk_(live|test)_[A-Za-z0-9_-]+$/
const SHOWN_CHARACTERS = 4

function checksum(text: string): string {
  const bytes = Buffer.alloc(4)
  bytes.writeUInt32BE(crc32(text))
  return bytes.toString('base64url')
}

/**
 * Whether text has the shape of one of our tokens, checksum included. A typo, a token of another system or random
 * junk is refused here without a database read or a cache entry (the idea of GitHub's token checksums).
 */
export function isWellFormedApiToken(text: string, length = DEFAULT_TOKEN_LENGTH): boolean {
  if (typeof text !== 'string' || text.length !== length || !TOKEN_SHAPE.test(text)) return false
  return checksum(text.slice(0, -6)) === text.slice(-6)
}

interface ApiTokenRow {
  id: number
  name: string
  subject: string
  scopes: string[]
  display_prefix: string
  created_at: Date
  expires_at: Date | null
  revoked_at: Date | null
  last_used_at: Date | null
}

const COLUMNS = 'id, name, subject, scopes, display_prefix, created_at, expires_at, revoked_at, last_used_at'

function toApiToken(row: ApiTokenRow): ApiToken {
  return {
    id: row.id,
    name: row.name,
    subject: row.subject,
    scopes: row.scopes,
    displayPrefix: row.display_prefix,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
  }
}

/** Neither revoked nor past its expiry at `now`. */
export function isActiveApiToken(token: ApiToken, now: Date): boolean {
  return token.revokedAt === null && (token.expiresAt === null || token.expiresAt.getTime() > now.getTime())
}

/**
 * API tokens for machine clients: created with a secret shown once, stored as a SHA-256, verified through a small
 * cache (so a busy client costs one database read per cache lifetime), listed and revoked. The table is core's
 * `api_token` (migration core_005); this store is the only code that reads or writes it.
 */
export function createApiTokenStore(options: ApiTokenStoreOptions) {
  const { db } = options
  const clock = options.clock ?? systemClock
  const environment = options.environment ?? 'live'
  const tokenLength = options.tokenLength ?? DEFAULT_TOKEN_LENGTH
  if (!Number.isInteger(tokenLength) || tokenLength < DEFAULT_TOKEN_LENGTH || tokenLength > 200) {
    throw new RangeError(`tokenLength must be an integer from ${DEFAULT_TOKEN_LENGTH} to 200, got ${tokenLength}`)
  }
  const randomLength = tokenLength - HEAD_LENGTH - CHECKSUM_LENGTH
  // Keyed by the token's hash, so the caches never hold a secret. Unknown tokens are remembered apart from known
  // ones: anyone can make well-formed tokens (the checksum is public), and a flood of them in the one cache would
  // evict every real client's token and send each of its requests to the database.
  const maxEntries = options.cacheMaxEntries ?? 10_000
  const ttlMs = options.cacheTtlMs ?? 30_000
  const known = new TtlCache<string, ApiToken>(maxEntries, ttlMs)
  const unknown = new TtlCache<string, null>(maxEntries, ttlMs)
  const reading = new Map<string, Promise<ApiToken | null>>()
  // Bumped by every revocation: a read that was under way meanwhile may hold the token as it was before, so what it
  // found is used once and not cached.
  let revocations = 0

  /** Reads a token by its hash and records its use, in one statement, and caches what it found. */
  async function load(hash: string, now: Date): Promise<ApiToken | null> {
    const before = revocations
    const { rows } = await db.query<ApiTokenRow>(
      `UPDATE api_token SET last_used_at = $2 WHERE token_hash = $1 RETURNING ${COLUMNS}`,
      [hash, now],
    )
    const found = rows[0] ? toApiToken(rows[0]) : null
    if (revocations === before) {
      if (found) known.set(hash, found, now.getTime())
      else unknown.set(hash, null, now.getTime())
    }
    return found
  }

  return {
    /** Creates a token. The `token` returned is the only copy of the secret: show it once, it cannot be read again. */
    async create(input: NewApiToken): Promise<{ token: string; apiToken: ApiToken }> {
      const random = randomBytes(Math.ceil((randomLength * 3) / 4))
        .toString('base64url')
        .slice(0, randomLength)
      const head = `kk_${environment}_${random}`
      const token = `${head}${checksum(head)}`
      const { rows } = await db.query<ApiTokenRow>(
        `INSERT INTO api_token (display_prefix, token_hash, name, subject, scopes, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
        [
          token.slice(0, `kk_${environment}_`.length + SHOWN_CHARACTERS),
          sha256Hex(token),
          input.name,
          input.subject,
          input.scopes,
          clock.now(),
          input.expiresAt ?? null,
        ],
      )
      return { token, apiToken: toApiToken(rows[0]) }
    },

    /** The active token this secret belongs to, or undefined (malformed, unknown, revoked or expired). */
    async verify(secret: string): Promise<ApiToken | undefined> {
      if (!isWellFormedApiToken(secret, tokenLength)) return undefined
      const hash = sha256Hex(secret)
      const now = clock.now()
      let found: ApiToken | null | undefined = known.get(hash, now.getTime()) ?? unknown.get(hash, now.getTime())
      if (found === undefined) {
        // Concurrent requests with one token that is not cached yet share one read.
        let read = reading.get(hash)
        if (!read) {
          const started = load(hash, now).finally(() => {
            if (reading.get(hash) === started) reading.delete(hash)
          })
          reading.set(hash, started)
          read = started
        }
        found = await read
      }
      return found && isActiveApiToken(found, now) ? found : undefined
    },

    /** Tokens in id order, active or not, optionally of one subject; `afterId` pages on. */
    async list(filter: { subject?: string; afterId?: number; limit?: number } = {}): Promise<ApiToken[]> {
      const { rows } = await db.query<ApiTokenRow>(
        `SELECT ${COLUMNS} FROM api_token
         WHERE ($1::text IS NULL OR subject = $1) AND id > $2 ORDER BY id LIMIT $3`,
        [filter.subject ?? null, filter.afterId ?? 0, Math.min(filter.limit ?? 100, 1_000)],
      )
      return rows.map(toApiToken)
    },

    /**
     * Revokes an active token at once in this process (and within the cache lifetime elsewhere).
     * API_TOKEN_NOT_FOUND for an unknown id, API_TOKEN_NOT_ACTIVE for one already revoked or expired.
     */
    async revoke(id: number): Promise<ApiToken> {
      const now = clock.now()
      const { rows } = await db.query<ApiTokenRow & { token_hash: string }>(
        `UPDATE api_token SET revoked_at = $2
         WHERE id = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)
         RETURNING ${COLUMNS}, token_hash`,
        [id, now],
      )
      if (rows[0]) {
        revocations++
        known.delete(rows[0].token_hash)
        reading.delete(rows[0].token_hash)
        return toApiToken(rows[0])
      }
      const exists = await db.query('SELECT 1 FROM api_token WHERE id = $1', [id])
      throw new CoreError(exists.rows.length > 0 ? 'API_TOKEN_NOT_ACTIVE' : 'API_TOKEN_NOT_FOUND', undefined, { id })
    },
  }
}

export type ApiTokenStore = ReturnType<typeof createApiTokenStore>
