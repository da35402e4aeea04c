import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { type Clock, manualClock, systemClock } from '../src/clock.ts'
import type { Database } from '../src/db.ts'
import { AppError } from '../src/errors.ts'
import { createApp } from '../src/http.ts'
import {
  coreMigrationsDir,
  createIdempotencyStore,
  IdempotencyKeyHeaders,
  idempotencyPlugin,
  requestFingerprint,
} from '../src/index.ts'
import { openTestDatabase } from '../src/testing/index.ts'

let db: Database
before(async () => {
  db = await openTestDatabase(coreMigrationsDir)
  await db.exec('CREATE TABLE demo_order (id serial PRIMARY KEY, user_id text NOT NULL, amount integer NOT NULL)')
})
after(() => db.close())

/** Lets a test hold a handler at a point until it says go. */
function gate() {
  let open!: () => void
  const opened = new Promise<void>((resolve) => {
    open = resolve
  })
  return { open, opened }
}

const OrderBody = Type.Object({
  amount: Type.Integer(),
  note: Type.Optional(Type.String()),
  /** The handler commits and then crashes, as a process killed right after its commit would. */
  crashAfterCommit: Type.Optional(Type.Boolean()),
})
const PlainBody = Type.Object({ outcome: Type.Optional(Type.String()) })

/**
 * A demo service: `POST /orders` creates a row and stores its answer in the same transaction (the exactly-once
 * way); `POST /plain` is a handler without a transaction; `/pay` requires a key. The principal is `x-user`.
 */
async function startDemo(options: { clock?: Clock; leaseMs?: number; ttlMs?: number } = {}) {
  const clock = options.clock ?? manualClock()
  const store = createIdempotencyStore({ db, clock, leaseMs: options.leaseMs, ttlMs: options.ttlMs })
  const app = await createApp({ service: 'demo', version: '0.0.0', logLevel: 'silent', db })
  const runs = { orders: 0, plain: 0 }
  const holds: { orders?: Promise<void>; plain?: Promise<void> } = {}

  await app.register(async (plain) => {
    const scoped = plain.withTypeProvider<TypeBoxTypeProvider>()
    await scoped.register(idempotencyPlugin, { store, scope: (request) => `user:${request.headers['x-user']}` })
    const user = (request: { headers: Record<string, unknown> }) => String(request.headers['x-user'])

    scoped.post(
      '/orders',
      {
        config: { idempotency: true },
        schema: {
          headers: IdempotencyKeyHeaders,
          body: OrderBody,
          response: { 201: Type.Object({ id: Type.Integer(), amount: Type.Integer() }) },
        },
      },
      async (request, reply) => {
        runs.orders++
        const hold = holds.orders
        holds.orders = undefined
        await hold
        const order = await db.transaction(async (tx) => {
          const { rows } = await tx.query<{ id: number; amount: number }>(
            'INSERT INTO demo_order (user_id, amount) VALUES ($1, $2) RETURNING id, amount',
            [user(request), request.body.amount],
          )
          await request.idempotency?.complete(tx, 201, rows[0], { location: `/orders/${rows[0].id}` })
          return rows[0]
        })
        if (request.body.crashAfterCommit) throw new Error('killed after the commit')
        return reply.status(201).header('location', `/orders/${order.id}`).send(order)
      },
    )

    scoped.post(
      '/plain/:shop',
      { config: { idempotency: true }, schema: { body: PlainBody } },
      async (request, reply) => {
        runs.plain++
        const hold = holds.plain
        holds.plain = undefined
        await hold
        if (request.body.outcome === 'crash') throw new Error('the handler crashed')
        if (request.body.outcome === 'refuse') throw new AppError('CONFLICT', 'Refused', { run: runs.plain })
        return reply.status(200).send({ run: runs.plain })
      },
    )

    scoped.post('/pay', { config: { idempotency: { required: true } } }, async () => ({ paid: true }))
  })
  await app.ready()

  const send = (url: string, payload: unknown, key?: string, userId = '1') =>
    app.inject({
      method: 'POST',
      url,
      headers: { 'x-user': userId, ...(key === undefined ? {} : { 'idempotency-key': key }) },
      payload: payload as object,
    })
  return { app, store, clock, runs, holds, send }
}

async function ordersOf(userId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM demo_order WHERE user_id = $1', [
    userId,
  ])
  return rows[0].n
}

describe('Idempotency-Key', () => {
  test('the same key and body get the identical stored answer, and the handler runs once', async () => {
    const demo = await startDemo()
    const first = await demo.send('/orders', { amount: 5, note: 'n' }, 'same-1', 'u-same')
    assert.equal(first.statusCode, 201)
    assert.equal(first.headers['idempotent-replayed'], undefined)
    // Key order does not make another request.
    const again = await demo.send('/orders', { note: 'n', amount: 5 }, 'same-1', 'u-same')
    assert.equal(again.statusCode, 201)
    assert.equal(again.body, first.body)
    assert.equal(again.headers['content-type'], first.headers['content-type'])
    assert.equal(again.headers.location, first.headers.location)
    assert.equal(again.headers['idempotent-replayed'], 'true')
    assert.equal(demo.runs.orders, 1)
    assert.equal(await ordersOf('u-same'), 1)

    // A 4xx is an answer: stored and replayed without running the handler again.
    const refused = await demo.send('/plain/1', { outcome: 'refuse' }, 'same-2')
    assert.equal(refused.statusCode, 409)
    assert.equal(refused.json().error.code, 'CONFLICT')
    const refusedAgain = await demo.send('/plain/1', { outcome: 'refuse' }, 'same-2')
    assert.equal(refusedAgain.statusCode, 409)
    assert.equal(refusedAgain.body, refused.body)
    assert.equal(demo.runs.plain, 1)

    // Without a key nothing is remembered.
    await demo.send('/plain/1', {})
    await demo.send('/plain/1', {})
    assert.equal(demo.runs.plain, 3)
    await demo.app.close()
  })

  test('50 concurrent duplicates: one handler run, the others 409 with Retry-After or the stored answer', async () => {
    const demo = await startDemo()
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => demo.send('/orders', { amount: 7 }, 'burst', 'u-burst')),
    )
    assert.equal(demo.runs.orders, 1)
    assert.equal(await ordersOf('u-burst'), 1)
    const created = answers.filter((a) => a.statusCode === 201)
    const busy = answers.filter((a) => a.statusCode === 409)
    assert.equal(created.length + busy.length, 50, `statuses: ${answers.map((a) => a.statusCode)}`)
    assert.equal(new Set(created.map((a) => a.body)).size, 1, 'every 201 is the same answer')
    for (const answer of busy) {
      assert.equal(answer.json().error.code, 'IDEMPOTENCY_IN_PROGRESS')
      assert.equal(answer.headers['retry-after'], '1')
    }
    const later = await demo.send('/orders', { amount: 7 }, 'burst', 'u-burst')
    assert.equal(later.statusCode, 201)
    assert.equal(later.body, created[0].body)
    await demo.app.close()
  })

  test('the same key with another body, query or path is 422, and nothing runs', async () => {
    const demo = await startDemo()
    assert.equal((await demo.send('/orders', { amount: 1 }, 'other', 'u-other')).statusCode, 201)
    const otherBody = await demo.send('/orders', { amount: 2 }, 'other', 'u-other')
    assert.equal(otherBody.statusCode, 422)
    assert.equal(otherBody.json().error.code, 'IDEMPOTENCY_KEY_REUSED')
    assert.equal(await ordersOf('u-other'), 1)

    assert.equal((await demo.send('/plain/1', {}, 'other-path')).statusCode, 200)
    assert.equal((await demo.send('/plain/2', {}, 'other-path')).statusCode, 422)
    assert.equal((await demo.send('/plain/1?x=1', {}, 'other-path')).statusCode, 422)
    assert.equal(demo.runs.plain, 1)
    // Another route is another key.
    assert.equal((await demo.send('/orders', { amount: 1 }, 'other-path', 'u-other')).statusCode, 201)
    await demo.app.close()
  })

  test('the same key of another user is independent', async () => {
    const demo = await startDemo()
    const alice = await demo.send('/orders', { amount: 3 }, 'shared', 'u-alice')
    const bob = await demo.send('/orders', { amount: 3 }, 'shared', 'u-bob')
    assert.equal(alice.statusCode, 201)
    assert.equal(bob.statusCode, 201)
    assert.notEqual(alice.json().id, bob.json().id)
    assert.equal(bob.headers['idempotent-replayed'], undefined)
    const bobOther = await demo.send('/orders', { amount: 4 }, 'shared', 'u-carol')
    assert.equal(bobOther.statusCode, 201, 'another user’s body does not make this one a reuse')
    assert.equal(demo.runs.orders, 3)
    await demo.app.close()
  })

  test('a handler that crashes stores nothing: the retry runs and succeeds', async () => {
    const demo = await startDemo()
    const crashed = await demo.send('/plain/1', { outcome: 'crash' }, 'crash')
    assert.equal(crashed.statusCode, 500)
    const retried = await demo.send('/plain/1', { outcome: 'crash' }, 'crash')
    assert.equal(retried.statusCode, 500, 'the retry ran the handler again')
    assert.equal(demo.runs.plain, 2)
    // A request refused by validation never started, so the corrected request with the same key is not a reuse.
    const invalid = await demo.send('/orders', { amount: 'x' }, 'crash-then-valid', 'u-crash')
    assert.equal(invalid.statusCode, 400)
    assert.equal((await demo.send('/orders', { amount: 1 }, 'crash-then-valid', 'u-crash')).statusCode, 201)
    await demo.app.close()
  })

  test('a process killed after its commit: the retry gets the committed answer, never a second order', async () => {
    const demo = await startDemo()
    const killed = await demo.send('/orders', { amount: 9, crashAfterCommit: true }, 'after-commit', 'u-killed')
    assert.equal(killed.statusCode, 500)
    const retried = await demo.send('/orders', { amount: 9, crashAfterCommit: true }, 'after-commit', 'u-killed')
    assert.equal(retried.statusCode, 201)
    assert.equal(retried.headers['idempotent-replayed'], 'true')
    assert.equal(await ordersOf('u-killed'), 1)
    assert.equal(demo.runs.orders, 1)
    await demo.app.close()
  })

  test('an in-flight marker whose lease ran out is taken over; the late first request cannot commit', async () => {
    const clock = manualClock()
    const demo = await startDemo({ clock, leaseMs: 10_000 })
    const held = gate()
    demo.holds.orders = held.opened
    const first = demo.send('/orders', { amount: 11 }, 'lease', 'u-lease')
    while (demo.runs.orders === 0) await sleep(5)

    const duplicate = await demo.send('/orders', { amount: 11 }, 'lease', 'u-lease')
    assert.equal(duplicate.statusCode, 409)
    assert.equal(duplicate.headers['retry-after'], '1')

    // The first request's process is as good as dead: its lease runs out, and a retry may proceed.
    clock.advance(10_001)
    const retry = await demo.send('/orders', { amount: 11 }, 'lease', 'u-lease')
    assert.equal(retry.statusCode, 201)
    assert.equal(demo.runs.orders, 2)

    held.open()
    const late = await first
    assert.equal(late.statusCode, 409, 'the first request lost its key and rolled its order back')
    assert.equal(late.json().error.code, 'IDEMPOTENCY_IN_PROGRESS')
    assert.equal(await ordersOf('u-lease'), 1)
    const replay = await demo.send('/orders', { amount: 11 }, 'lease', 'u-lease')
    assert.equal(replay.body, retry.body)
    await demo.app.close()
  })

  test('a slow request renews its lease, so duplicates stay refused while it runs', async () => {
    const demo = await startDemo({ clock: systemClock, leaseMs: 1_500 })
    const held = gate()
    demo.holds.plain = held.opened
    const slow = demo.send('/plain/1', {}, 'slow', 'u-slow')
    while (demo.runs.plain === 0) await sleep(5)
    await sleep(2_500)
    const duplicate = await demo.send('/plain/1', {}, 'slow', 'u-slow')
    assert.equal(duplicate.statusCode, 409, 'still held after more than one lease')
    held.open()
    assert.equal((await slow).statusCode, 200)
    assert.equal((await demo.send('/plain/1', {}, 'slow', 'u-slow')).headers['idempotent-replayed'], 'true')
    assert.equal(demo.runs.plain, 1)
    await demo.app.close()
  })

  test('keys are 1–255 printable ASCII characters; garbage and a missing required key are 400', async () => {
    const demo = await startDemo()
    const withSchema = await demo.send('/orders', { amount: 1 }, 'k'.repeat(256), 'u-keys')
    assert.equal(withSchema.statusCode, 400)
    for (const bad of ['k'.repeat(256), 'tab\there', 'caf\u00e9']) {
      const answer = await demo.send('/plain/1', {}, bad)
      assert.equal(answer.statusCode, 400, JSON.stringify(bad))
      assert.equal(answer.json().error.code, 'IDEMPOTENCY_KEY_INVALID')
    }
    assert.equal((await demo.send('/plain/1', {}, 'k'.repeat(255))).statusCode, 200)
    assert.equal((await demo.send('/plain/1', {}, '7f9c2b1e-uuid ok')).statusCode, 200)
    const missing = await demo.send('/pay', {})
    assert.equal(missing.statusCode, 400)
    assert.equal(missing.json().error.code, 'IDEMPOTENCY_KEY_INVALID')
    assert.equal((await demo.send('/pay', {}, 'pay-1')).statusCode, 200)
    assert.equal(await ordersOf('u-keys'), 0)
    await demo.app.close()
  })

  test('keys expire after the TTL (24 h by default) and the cleanup deletes them, never a live one', async () => {
    const clock = manualClock()
    const demo = await startDemo({ clock })
    assert.equal((await demo.send('/orders', { amount: 1 }, 'ttl', 'u-ttl')).statusCode, 201)
    clock.advance(24 * 3_600_000 - 1)
    assert.equal((await demo.send('/orders', { amount: 2 }, 'ttl', 'u-ttl')).statusCode, 422)
    clock.advance(1)
    const fresh = await demo.send('/orders', { amount: 2 }, 'ttl', 'u-ttl')
    assert.equal(fresh.statusCode, 201, 'an expired key is a new key')
    assert.equal(fresh.headers['idempotent-replayed'], undefined)
    clock.advance(24 * 3_600_000)
    assert.ok((await demo.store.purgeExpired()) >= 1)
    const { rows } = await db.query(`SELECT 1 FROM idempotency_key WHERE scope = 'user:u-ttl'`)
    assert.deepEqual(rows, [])
    await demo.app.close()

    // A request still running when its key expires keeps it until its lease runs out.
    const short = await startDemo({ clock, ttlMs: 1_000, leaseMs: 60_000 })
    const held = gate()
    short.holds.plain = held.opened
    const running = short.send('/plain/1', {}, 'ttl-live', 'u-ttl-live')
    while (short.runs.plain === 0) await sleep(5)
    clock.advance(2_000)
    await short.store.purgeExpired()
    const live = await db.query(`SELECT 1 FROM idempotency_key WHERE scope = 'user:u-ttl-live'`)
    assert.equal(live.rows.length, 1)
    held.open()
    assert.equal((await running).statusCode, 200)
    await short.app.close()
  })

  test('the fingerprint is SHA-256 of [route, params, query, body] with sorted keys', () => {
    assert.equal(
      requestFingerprint('POST /x', {}, {}, { b: [1, { d: 1, c: 2 }], a: null }),
      requestFingerprint('POST /x', {}, {}, { a: null, b: [1, { c: 2, d: 1 }] }),
    )
    assert.notEqual(
      requestFingerprint('POST /x', {}, {}, { a: [1, 2] }),
      requestFingerprint('POST /x', {}, {}, { a: [2, 1] }),
    )
  })
})
