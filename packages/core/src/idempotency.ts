import { randomBytes } from 'node:crypto'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { sha256Hex } from './auth.ts'
import { type Clock, systemClock } from './clock.ts'
import type { Database, Queryable } from './db.ts'
import { CoreError } from './errors.ts'
import { MAX_JSON_DEPTH } from './http.ts'

/**
 * `Idempotency-Key` for mutating routes, shared by every service (draft-ietf-httpapi-idempotency-key-header, in the
 * way Stripe runs it). A route opts in with `config: { idempotency: true }` in a context where `idempotencyPlugin`
 * is registered; a request that carries the header then gets:
 *
 * - the same key, same request (route, path parameters, query and canonical body) and a stored answer → that answer
 *   again (status, body, `Content-Type`, `Location`), with `Idempotent-Replayed: true`, and the handler does not run;
 * - the same key while the first request is still in flight → 409 `IDEMPOTENCY_IN_PROGRESS` with `Retry-After`;
 * - the same key with another request → 422 `IDEMPOTENCY_KEY_REUSED`;
 * - a key that is not 1–255 printable ASCII characters → 400 `IDEMPOTENCY_KEY_INVALID`.
 *
 * Keys belong to a principal (the plugin's `scope`, e.g. the authenticated user) and a route, and live `ttlMs` (24 h
 * by default) from first use; after that a request with the key runs anew and `purgeExpired` deletes the record.
 *
 * What is stored: every answer below 500, errors included (a 4xx is the answer to that request). A 5xx or a crash
 * stores nothing and releases the key, so the client may retry; Stripe stores 500s too, but its handlers are not one
 * transaction, ours are meant to be: an error rolls their work back, and a retry is the right move. Requests refused
 * before the handler (validation, authentication, rate limits, the 409 above) store nothing either.
 *
 * The in-flight marker is a lease (`leaseMs`, 15 s by default) that the request renews while it runs, so a process
 * killed mid-request blocks its keys for at most one lease; after that the next retry takes the key over.
 *
 * The guarantee:
 * - **Exactly once, for handlers that call `request.idempotency.complete(tx, …)` inside the transaction that holds
 *   their effects.** The answer commits with the effects or not at all, and only the current holder of the key can
 *   complete it (the update is conditional on its lease token, and the row lock makes a second holder wait and
 *   fail). So however requests race, crash or outlive their lease, at most one transaction with effects commits per
 *   key and TTL, and every later request with that key gets its answer, even when the process died after the commit
 *   and before the answer reached the client. A handler whose lease was taken over gets 409 from `complete`, and
 *   must let it roll its transaction back.
 * - **For other handlers, at most once while a key is leased, at least once around crashes.** Their answer is stored
 *   before it is sent (in `onSend`), so an answered request is never run twice; but a process that dies after the
 *   handler's effects and before that store leaves a lease that runs out, and the retry runs the handler again. Such
 *   handlers must be idempotent by themselves towards what they call (e.g. the same order id at a gateway).
 *
 * Answers are kept as text: the plugin is for JSON (or text) answers; a streamed answer is sent but not stored.
 */
export interface IdempotencyStoreOptions {
  db: Database
  clock?: Clock
  /** How long a key is remembered from its first use; 24 h as at Stripe. */
  ttlMs?: number
  /** How long an in-flight marker holds its key without renewal (a killed process blocks its keys this long). */
  leaseMs?: number
}

/** What identifies one use of a key: whose, on which route, and the fingerprint of the request. */
export interface IdempotencyTarget {
  scope: string
  route: string
  key: string
  fingerprint: string
}

/** An answer as it is stored and replayed. */
export interface IdempotentAnswer {
  status: number
  headers: Record<string, string | string[]>
  /** The exact text sent; null for an answer without a body. */
  body: string | null
}

export type BeginOutcome =
  | { kind: 'owner'; token: string }
  | { kind: 'replay'; answer: IdempotentAnswer }
  | { kind: 'in-progress' }
  | { kind: 'reused' }

const DEFAULT_TTL_MS = 24 * 60 * 60 * 1000
const DEFAULT_LEASE_MS = 15_000
const MAX_KEY_LENGTH = 255
/** Printable ASCII, space to tilde: what a header carries unambiguously (UUIDs, ULIDs, base64url, …). */
const KEY_PATTERN = /^[\x20-\x7E]{1,255}$/
const WHERE_KEY = 'scope = $1 AND route = $2 AND key = $3'

/** The `Idempotency-Key` request header, for the `headers` schema of a route that opts in (it shows in OpenAPI). */
export const IdempotencyKeyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: MAX_KEY_LENGTH,
      pattern: '^[ -~]+$',
      description:
        'Makes a retry safe: the same key with the same request returns the first answer (kept 24 h by default); ' +
        '409 while the first is still being processed, 422 with another request. Up to 255 printable ASCII ' +
        'characters, e.g. a UUID.',
    }),
  ),
})

/** Whether a header value can be a key: 1–255 printable ASCII characters. */
export function isValidIdempotencyKey(key: unknown): key is string {
  return typeof key === 'string' && KEY_PATTERN.test(key)
}

/**
 * How deep a request may nest before it is refused: the JSON parser's limit, kept here too because a fingerprint
 * may be taken of a value that came another way; a hostile `[[[[…]]]]` would otherwise overflow the stack.
 */
const MAX_DEPTH = MAX_JSON_DEPTH

/** Objects with sorted keys, recursively: `{"b":1,"a":2}` and `{"a":2,"b":1}` are one request. */
function canonical(value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH) {
    throw new CoreError('VALIDATION_FAILED', `The request is nested more than ${MAX_DEPTH} levels deep`)
  }
  if (Array.isArray(value)) return value.map((item) => canonical(item, depth + 1))
  if (Buffer.isBuffer(value)) return { $bytes: value.toString('base64') }
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>
    return Object.fromEntries(
      Object.keys(object)
        .sort()
        .map((name) => [name, canonical(object[name], depth + 1)]),
    )
  }
  return value
}

/**
 * The fingerprint of a request: SHA-256 (hex) of the JSON text `[route, params, query, body]`, objects with sorted
 * keys. Path parameters and the query are part of the request (a refund of another payment is another request).
 * Written down exactly, because a migration may compute it in SQL for records it carries over.
 */
export function requestFingerprint(route: string, params: unknown, query: unknown, body: unknown): string {
  return sha256Hex(JSON.stringify([route, canonical(params ?? {}), canonical(query ?? {}), canonical(body ?? null)]))
}

/** The table behind the plugin: begin, complete, release, renew and purge keys. The only SQL on `idempotency_key`. */
export function createIdempotencyStore(options: IdempotencyStoreOptions) {
  const { db, clock = systemClock } = options
  const ttlMs = options.ttlMs ?? DEFAULT_TTL_MS
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS
  const key = (t: IdempotencyTarget) => [t.scope, t.route, t.key]

  return {
    leaseMs,

    /**
     * Claims the key for this request, or says what to answer instead. One statement decides between concurrent
     * duplicates: the insert (or the take-over of an expired key, or of a lapsed lease of the same request) succeeds
     * for exactly one of them.
     */
    async begin(target: IdempotencyTarget): Promise<BeginOutcome> {
      // A record released between the two statements below is gone when we look: claim again (rarely more than once).
      for (let attempt = 0; attempt < 3; attempt++) {
        const now = clock.now()
        const token = randomBytes(12).toString('base64url')
        const claimed = await db.query(
          `INSERT INTO idempotency_key AS k
             (scope, route, key, fingerprint, lease_token, locked_until, created_at, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (scope, route, key) DO UPDATE SET
             fingerprint = EXCLUDED.fingerprint, lease_token = EXCLUDED.lease_token,
             locked_until = EXCLUDED.locked_until, response_status = NULL, response_headers = NULL,
             response_body = NULL, created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at
           WHERE k.expires_at <= $7
              OR (k.lease_token IS NOT NULL AND k.locked_until <= $7 AND k.fingerprint = EXCLUDED.fingerprint)
           RETURNING 1`,
          [
            ...key(target),
            target.fingerprint,
            token,
            new Date(now.getTime() + leaseMs),
            now,
            new Date(now.getTime() + ttlMs),
          ],
        )
        if (claimed.rows.length > 0) return { kind: 'owner', token }
        const { rows } = await db.query<{
          fingerprint: string
          status: number | null
          headers: Record<string, string | string[]> | null
          body: string | null
        }>(
          `SELECT fingerprint, response_status AS status, response_headers AS headers, response_body AS body
           FROM idempotency_key WHERE ${WHERE_KEY}`,
          key(target),
        )
        const row = rows[0]
        if (!row) continue
        if (row.fingerprint !== target.fingerprint) return { kind: 'reused' }
        if (row.status === null) return { kind: 'in-progress' }
        return { kind: 'replay', answer: { status: row.status, headers: row.headers ?? {}, body: row.body } }
      }
      return { kind: 'in-progress' }
    },

    /**
     * Stores the answer if `token` still holds the key; returns whether it did. Pass the handler's transaction as `q`
     * to make the answer commit with the effects (the row stays locked until then, so a duplicate waits for it).
     */
    async complete(
      target: IdempotencyTarget,
      token: string,
      answer: IdempotentAnswer,
      q: Queryable = db,
    ): Promise<boolean> {
      const { rows } = await q.query(
        `UPDATE idempotency_key SET response_status = $5, response_headers = $6, response_body = $7,
           lease_token = NULL, locked_until = NULL
         WHERE ${WHERE_KEY} AND lease_token = $4 RETURNING 1`,
        [...key(target), token, answer.status, JSON.stringify(answer.headers), answer.body],
      )
      return rows.length > 0
    },

    /** Gives the key up (a 5xx or a crash): the next request with it runs anew. A no-op once another holds it. */
    async release(target: IdempotencyTarget, token: string): Promise<void> {
      await db.query(`DELETE FROM idempotency_key WHERE ${WHERE_KEY} AND lease_token = $4`, [...key(target), token])
    },

    /** Extends the lease of a request that is still running. */
    async renew(target: IdempotencyTarget, token: string): Promise<void> {
      await db.query(`UPDATE idempotency_key SET locked_until = $5 WHERE ${WHERE_KEY} AND lease_token = $4`, [
        ...key(target),
        token,
        new Date(clock.now().getTime() + leaseMs),
      ])
    },

    /** Deletes up to `limit` keys past their expiry (never one a live request still holds); returns how many. */
    async purgeExpired(limit = 1_000): Promise<number> {
      const now = clock.now()
      const { rowCount } = await db.query(
        `DELETE FROM idempotency_key WHERE (scope, route, key) IN (
           SELECT scope, route, key FROM idempotency_key
           WHERE expires_at <= $1 AND (lease_token IS NULL OR locked_until <= $1) LIMIT $2)`,
        [now, limit],
      )
      return rowCount
    },
  }
}

export type IdempotencyStore = ReturnType<typeof createIdempotencyStore>

/** Forgets every key (a service's reset to its initial state: stored answers would name things that are gone). */
export async function clearIdempotencyKeys(tx: Queryable): Promise<void> {
  await tx.exec('TRUNCATE idempotency_key')
}

/** What a handler sees of its key on `request.idempotency`. */
export interface IdempotencyHandle {
  readonly key: string
  /**
   * Stores the answer inside the handler's transaction `tx`, so it commits exactly when the effects do; then send
   * the same status and body. Throws 409 `IDEMPOTENCY_IN_PROGRESS` when this request no longer holds the key (its
   * lease ran out and a retry took it over): let it roll the transaction back.
   */
  complete(tx: Queryable, status: number, body?: unknown, headers?: Record<string, string>): Promise<void>
}

export interface IdempotencyPluginOptions {
  store: IdempotencyStore
  /**
   * The principal whose keys these are, e.g. `user:42`; runs after authentication (in `preHandler`). Two
   * principals never share a key, so one cannot read another's answer by guessing it.
   */
  scope: (request: FastifyRequest) => string
  /** `Retry-After` of the 409 for a duplicate in flight; most handlers finish well within a second. */
  retryAfterSeconds?: number
}

/** `config: { idempotency: { … } }` of one route; `true` takes the defaults. */
export interface IdempotencyRouteOptions {
  /** Without the header: 400 instead of running without idempotency (for routes where money moves). */
  required?: boolean
  /** Response headers replayed besides `Content-Type` and `Location`. */
  replayHeaders?: string[]
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's Idempotency-Key, held by it; null unless its route opted in and the header came. */
    idempotency: IdempotencyHandle | null
  }
  interface FastifyContextConfig {
    idempotency?: boolean | IdempotencyRouteOptions
  }
}

/** Per-request state of a key this request holds. */
interface Claim extends IdempotencyHandle {
  target: IdempotencyTarget
  token: string
  timer: NodeJS.Timeout
  /** The answer stored by `complete` in the handler's transaction, if any. */
  completed?: IdempotentAnswer
  settled: boolean
}

const claims = new WeakMap<FastifyRequest, Claim>()

function asArray<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value]
}

function headerValue(value: unknown): string | string[] | undefined {
  if (value === undefined || value === null) return undefined
  return Array.isArray(value) ? value.map(String) : String(value)
}

/**
 * The Idempotency-Key plugin: register it (with a store and a scope) in the context of the routes, then opt routes
 * in with `config: { idempotency: true }` and `headers: IdempotencyKeyHeaders`. It breaks encapsulation on purpose,
 * like fastify-plugin, so its hooks reach the routes of the context that registers it. See the top of this file.
 */
const idempotency: FastifyPluginAsync<IdempotencyPluginOptions> = async (app, options) => {
  const { store } = options
  const retryAfterMs = (options.retryAfterSeconds ?? 1) * 1000
  if (!app.hasRequestDecorator('idempotency')) app.decorateRequest('idempotency', null)

  app.addHook('onRoute', (route) => {
    const setting = route.config?.idempotency
    if (!setting) return
    const routeOptions: IdempotencyRouteOptions = setting === true ? {} : setting
    const routeName = `${asArray(route.method).join(',')} ${route.url}`
    const replayHeaders = ['content-type', 'location', ...(routeOptions.replayHeaders ?? [])].map((h) =>
      h.toLowerCase(),
    )

    async function begin(request: FastifyRequest, reply: FastifyReply) {
      const key = request.headers['idempotency-key']
      if (key === undefined) {
        if (routeOptions.required)
          throw new CoreError('IDEMPOTENCY_KEY_INVALID', 'The Idempotency-Key header is required')
        return
      }
      if (!isValidIdempotencyKey(key)) {
        throw new CoreError('IDEMPOTENCY_KEY_INVALID', undefined, { max_length: MAX_KEY_LENGTH })
      }
      const target: IdempotencyTarget = {
        scope: options.scope(request),
        route: routeName,
        key,
        fingerprint: requestFingerprint(routeName, request.params, request.query, request.body),
      }
      const outcome = await store.begin(target)
      if (outcome.kind === 'reused') throw new CoreError('IDEMPOTENCY_KEY_REUSED')
      if (outcome.kind === 'in-progress') {
        throw new CoreError('IDEMPOTENCY_IN_PROGRESS', undefined, { retry_after_ms: retryAfterMs }, { retryAfterMs })
      }
      if (outcome.kind === 'replay') {
        const { answer } = outcome
        reply.code(answer.status)
        for (const [name, value] of Object.entries(answer.headers)) reply.header(name, value)
        reply.header('idempotent-replayed', 'true')
        return reply.send(answer.body ?? undefined)
      }
      const { token } = outcome
      // The lease is renewed while the handler runs, so only a dead process lets it lapse.
      const timer = setInterval(() => {
        store.renew(target, token).catch((error) => request.log.warn({ err: error }, 'idempotency lease not renewed'))
      }, store.leaseMs / 3)
      timer.unref()
      const claim: Claim = {
        key,
        target,
        token,
        timer,
        settled: false,
        async complete(tx, status, body, headers = {}) {
          reply.code(status)
          const text = body === undefined ? null : String(reply.serialize(body))
          const contentType = headerValue(reply.getHeader('content-type')) ?? 'application/json; charset=utf-8'
          const named = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]))
          const answer = {
            status,
            headers: text === null ? named : { 'content-type': contentType, ...named },
            body: text,
          }
          if (!(await store.complete(target, token, answer, tx))) {
            throw new CoreError(
              'IDEMPOTENCY_IN_PROGRESS',
              'Another request with this Idempotency-Key holds it now',
              { retry_after_ms: retryAfterMs },
              { retryAfterMs },
            )
          }
          claim.completed = answer
        },
      }
      claims.set(request, claim)
      request.idempotency = claim
    }

    /** Stores the answer before it is sent, or releases the key for a 5xx; skipped when the handler stored it. */
    async function finish(request: FastifyRequest, reply: FastifyReply, payload: unknown) {
      const claim = claims.get(request)
      if (!claim || claim.settled) return payload
      claim.settled = true
      clearInterval(claim.timer)
      try {
        if (claim.completed && claim.completed.status === reply.statusCode) {
          if (claim.completed.body !== null && claim.completed.body !== payload) {
            request.log.warn(
              { route: routeName },
              'the answer sent differs from the one stored for its Idempotency-Key',
            )
          }
          return payload
        }
        const storable =
          payload === undefined || payload === null || typeof payload === 'string' || Buffer.isBuffer(payload)
        if (reply.statusCode >= 500 || !storable) {
          if (!storable) request.log.warn({ route: routeName }, 'a streamed answer cannot be stored for replay')
          await store.release(claim.target, claim.token)
          return payload
        }
        const headers: Record<string, string | string[]> = {}
        for (const name of replayHeaders) {
          const value = headerValue(reply.getHeader(name))
          if (value !== undefined) headers[name] = value
        }
        const body = payload === undefined || payload === null ? null : String(payload)
        const answer = { status: reply.statusCode, headers, body }
        if (!(await store.complete(claim.target, claim.token, answer))) {
          request.log.warn({ route: routeName }, 'Idempotency-Key taken over before the answer was stored')
        }
      } catch (error) {
        // The client still gets its answer; the key stays leased until its lease runs out.
        request.log.error({ err: error }, 'idempotency record not updated')
      }
      return payload
    }

    /** A request that ended without `onSend` (the connection dropped) gives its key up. */
    async function end(request: FastifyRequest) {
      const claim = claims.get(request)
      if (!claim || claim.settled) return
      claim.settled = true
      clearInterval(claim.timer)
      await store.release(claim.target, claim.token).catch((error) => {
        request.log.error({ err: error }, 'idempotency key not released')
      })
    }

    route.preHandler = [...asArray(route.preHandler), begin]
    route.onSend = [...asArray(route.onSend), finish]
    route.onResponse = [...asArray(route.onResponse), end]
  })
}

// Like fastify-plugin: the hooks and the decorator land in the registering context, not in a child of it.
Reflect.set(idempotency, Symbol.for('skip-override'), true)
Reflect.set(idempotency, Symbol.for('fastify.display-name'), 'idempotency')

export const idempotencyPlugin = idempotency
