import assert from 'node:assert/strict'
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import {
  coreMigrationsDir,
  createIdempotencyStore,
  manualClock,
  migrate,
  requestFingerprint,
  sha256Hex,
} from '@kokdala/core'
import { openTestDatabase } from '@kokdala/core/testing'
import { buildTicketsApp, ticketsMigrations } from '../src/app.ts'
import { loadTicketsConfig } from '../src/config.ts'
import { basic, buyers, client, startTickets } from './harness.ts'

/** Every path that moves seats or money, hit by concurrent duplicates: exactly one transition each time. */
describe('concurrent duplicates', () => {
  let t: Awaited<ReturnType<typeof startTickets>>
  let api: ReturnType<typeof client>
  const [alice] = buyers
  const times = <T>(n: number, fn: () => Promise<T>) => Promise.all(Array.from({ length: n }, fn))

  before(async () => {
    t = await startTickets()
    api = client(t)
  })
  after(() => t.close())

  test('initiatePayment: one payment, one gateway payment, every answer the same Location', async () => {
    const booking = await api.createBooking(alice, 3)
    assert.equal((await api.select(alice, booking, 300_001)).status, 200)
    const answers = await times(6, () => api.patch('/api/bookings/initiatePayment', { booking_id: booking }, alice))
    assert.deepEqual(
      answers.map((a) => a.status),
      Array(6).fill(302),
    )
    assert.equal(new Set(answers.map((a) => a.headers.location)).size, 1)
    const payments = await t.db.query('SELECT gateway_order_id FROM payment WHERE booking_id = $1', [booking])
    assert.equal(payments.rows.length, 1)
    const gateway = await t.db.query('SELECT id FROM test_gateway_payment WHERE order_id = $1', [
      (payments.rows[0] as { gateway_order_id: string }).gateway_order_id,
    ])
    assert.equal(gateway.rows.length, 1)
  })

  test('cancel: every duplicate answers 200, the seats are freed once, the saga voids the payment once', async () => {
    const booking = await api.createBooking(alice, 3)
    assert.equal((await api.select(alice, booking, 300_002)).status, 200)
    await api.patch('/api/bookings/initiatePayment', { booking_id: booking }, alice)
    const answers = await times(6, () => api.patch('/api/bookings/cancel', { booking_id: booking }, alice))
    assert.deepEqual(
      answers.map((a) => a.status),
      Array(6).fill(200),
    )
    const claims = await t.db.query('SELECT 1 FROM seat_claim WHERE booking_id = $1', [booking])
    assert.equal(claims.rows.length, 0)
    const jobs = await t.db.query(`SELECT status FROM job WHERE dedupe_key = $1`, [`fulfil:${booking}`])
    assert.equal(jobs.rows.length, 1, 'one saga job however many cancels')
    await t.worker.runDue()
    const voided = await t.db.query(
      `SELECT g.status FROM test_gateway_payment g JOIN payment p ON p.gateway_order_id = g.order_id
       WHERE p.booking_id = $1`,
      [booking],
    )
    assert.deepEqual(voided.rows, [{ status: 'CANCELLED' }])
  })

  test('release: exactly one duplicate frees the seat, the others get 419', async () => {
    const booking = await api.createBooking(alice, 3)
    assert.equal((await api.select(alice, booking, 300_003)).status, 200)
    const answers = await times(6, () => api.patch('/api/seats/release', { seat_id: 300_003 }, alice))
    const statuses = answers.map((a) => a.status).sort()
    assert.deepEqual(statuses, [200, 419, 419, 419, 419, 419])
  })

  test('select racing cancel never leaves a claim on a cancelled booking', async () => {
    for (let round = 0; round < 5; round++) {
      const booking = await api.createBooking(alice, 3)
      const seats = [300_101 + round * 3, 300_102 + round * 3, 300_103 + round * 3]
      const answers = await Promise.all([
        ...seats.map((seat) => api.select(alice, booking, seat)),
        api.patch('/api/bookings/cancel', { booking_id: booking }, alice),
      ])
      // A select that ran before the cancel succeeded; one that came after it found the booking closed.
      assert.ok(answers.every((a) => a.status === 200 || a.json?.error?.code === 'BOOKING_NOT_EDITABLE'))
      const { rows } = await t.db.query(
        `SELECT c.seat_id FROM seat_claim c JOIN booking b ON b.id = c.booking_id WHERE b.status = 'CANCELLED'`,
      )
      assert.deepEqual(rows, [], `round ${round}`)
    }
  })

  test('payment success delivered many times at once: one capture, seats SOLD once', async () => {
    const booking = await api.createBooking(alice, 3)
    assert.equal((await api.select(alice, booking, 300_201)).status, 200)
    const initiated = await api.patch('/api/bookings/initiatePayment', { booking_id: booking }, alice)
    const gatewayId = String(initiated.headers.location).split('/').at(-1)
    await t.db.query(`UPDATE test_gateway_payment SET status = 'PAID' WHERE id = $1`, [gatewayId])
    const { rows } = await t.db.query<{ id: number }>('SELECT id FROM payment WHERE booking_id = $1', [booking])
    const answers = await times(8, () => api.get(`/api/payments/success?orderId=${rows[0].id}`))
    assert.ok(answers.every((a) => a.status === 200 && a.json.booking_status === 'CONFIRMED'))
    const sold = await t.db.query(`SELECT status FROM seat_claim WHERE booking_id = $1`, [booking])
    assert.deepEqual(sold.rows, [{ status: 'SOLD' }])
  })
})

/** Create booking through the shared Idempotency-Key plugin (core `idempotency.ts`). */
describe('Idempotency-Key on create booking', () => {
  let t: Awaited<ReturnType<typeof startTickets>>
  const [alice, bob, inzhu] = buyers

  const create = (user: (typeof buyers)[number], eventId: number, key: string) =>
    t.app.inject({
      method: 'POST',
      url: '/api/bookings',
      headers: { authorization: basic(user), 'idempotency-key': key },
      payload: { event_id: eventId },
    })

  async function bookingsOf(user: (typeof buyers)[number]): Promise<number> {
    const { rows } = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM booking WHERE user_id = $1', [
      user.id,
    ])
    return rows[0].n
  }

  before(async () => {
    t = await startTickets()
  })
  after(() => t.close())

  test('a key reused with another body is 422 IDEMPOTENCY_KEY_REUSED and creates nothing', async () => {
    const first = await create(inzhu, 2, 'reuse-1')
    assert.equal(first.statusCode, 201)
    const other = await create(inzhu, 3, 'reuse-1')
    assert.equal(other.statusCode, 422)
    assert.equal(other.json().error.code, 'IDEMPOTENCY_KEY_REUSED')
    assert.equal(await bookingsOf(inzhu), 1)
    const replay = await create(inzhu, 2, 'reuse-1')
    assert.equal(replay.statusCode, 201)
    assert.equal(replay.json().id, first.json().id)
    assert.equal(replay.headers['idempotent-replayed'], 'true')
    // The key is the user's: another buyer with the same key and another body is a request of their own.
    assert.equal((await create(bob, 3, 'reuse-1')).statusCode, 201)
  })

  test('concurrent duplicates create one booking; the others get it or 409 with Retry-After', async () => {
    const before = await bookingsOf(bob)
    const answers = await Promise.all(Array.from({ length: 20 }, () => create(bob, 2, 'burst-1')))
    const created = answers.filter((a) => a.statusCode === 201)
    const busy = answers.filter((a) => a.statusCode === 409)
    assert.equal(created.length + busy.length, 20, `statuses: ${answers.map((a) => a.statusCode)}`)
    assert.equal(new Set(created.map((a) => a.json().id)).size, 1)
    for (const answer of busy) {
      assert.equal(answer.json().error.code, 'IDEMPOTENCY_IN_PROGRESS')
      assert.equal(answer.headers['retry-after'], '1')
    }
    assert.equal(await bookingsOf(bob), before + 1)
  })

  test('a key held by a request that died is 409 with Retry-After until its lease runs out', async () => {
    // What a process killed in the middle of create leaves behind: an in-flight marker and no booking.
    const store = createIdempotencyStore({ db: t.db, clock: t.clock })
    const route = 'POST /api/bookings'
    const held = await store.begin({
      scope: `user:${alice.id}`,
      route,
      key: 'died-1',
      fingerprint: requestFingerprint(route, {}, {}, { event_id: 2 }),
    })
    assert.equal(held.kind, 'owner')
    const busy = await create(alice, 2, 'died-1')
    assert.equal(busy.statusCode, 409)
    assert.equal(busy.json().error.code, 'IDEMPOTENCY_IN_PROGRESS')
    assert.equal(busy.headers['retry-after'], '1')
    assert.equal(await bookingsOf(alice), 0)
    t.clock.advance(store.leaseMs + 1)
    const retried = await create(alice, 2, 'died-1')
    assert.equal(retried.statusCode, 201)
    assert.equal(await bookingsOf(alice), 1)
  })

  test('garbage keys are 400', async () => {
    assert.equal((await create(alice, 2, 'k'.repeat(256))).statusCode, 400)
    assert.equal((await create(alice, 2, 'caf\u00e9')).statusCode, 400)
    assert.equal((await create(alice, 2, 'k'.repeat(255))).statusCode, 201)
  })

  test('reset forgets keys: the bookings they answered with are gone', async () => {
    const before = await create(alice, 3, 'reset-1')
    assert.equal(before.statusCode, 201)
    const reset = await t.app.inject({ method: 'POST', url: '/api/reset' })
    assert.equal(reset.statusCode, 200)
    const after = await create(alice, 3, 'reset-1')
    assert.equal(after.statusCode, 201)
    assert.equal(after.headers['idempotent-replayed'], undefined)
    assert.ok(after.json().id > before.json().id)
  })
})

describe('migration 006: booking.idempotency_key moves into the shared table', () => {
  test('a key stored on a booking before the upgrade still replays its booking, and another body is 422', async () => {
    // The database as it was before 006: core migrations and the tickets ones before it.
    const ticketsDir = fileURLToPath(new URL('../migrations', import.meta.url))
    const before = await mkdtemp(join(tmpdir(), 'tickets-before-006-'))
    for (const name of await readdir(ticketsDir)) {
      if (name.endsWith('.sql') && name < '006') await copyFile(join(ticketsDir, name), join(before, name))
    }
    const db = await openTestDatabase([coreMigrationsDir, before])
    await rm(before, { recursive: true })
    const clock = manualClock(new Date('2030-01-01T12:00:00Z'))
    const [alice] = buyers
    await db.query(
      `INSERT INTO app_user (id, email, password_hash, first_name, surname, registered_at)
       VALUES ($1, $2, $3, 'Тест', 'Тестов', now())`,
      [alice.id, alice.email, sha256Hex(alice.password)],
    )
    await db.exec(`INSERT INTO event (id, title, description, type, starts_at, provider, archived) VALUES
      (2, 'Фильм', 'Показ.', 'film', '2030-10-25T19:45:00', 'TicketRu', false),
      (3, 'Концерт', 'Концерт.', 'stage', '2030-11-01T18:00:00', 'ShowTime', false)`)
    const { rows } = await db.query<{ id: number }>(
      `INSERT INTO booking (user_id, event_id, status, created_at, updated_at, expires_at, idempotency_key)
       VALUES ($1, 2, 'CREATED', $2, $2, $3, 'old-key') RETURNING id`,
      [alice.id, new Date(clock.now().getTime() - 3_600_000), new Date(clock.now().getTime() + 3_600_000)],
    )
    await migrate(db, ticketsMigrations)
    const columns = await db.query(
      `SELECT 1 FROM information_schema.columns WHERE table_name = 'booking' AND column_name = 'idempotency_key'`,
    )
    assert.deepEqual(columns.rows, [], 'the old column is gone')

    const config = loadTicketsConfig({ TICKETS_PORT: '0', LOG_LEVEL: 'warn' })
    const { app } = await buildTicketsApp({ config, db, clock, background: false })
    try {
      const send = (eventId: number) =>
        app.inject({
          method: 'POST',
          url: '/api/bookings',
          headers: { authorization: basic(alice), 'idempotency-key': 'old-key' },
          payload: { event_id: eventId },
        })
      const replay = await send(2)
      assert.equal(replay.statusCode, 201)
      assert.deepEqual(replay.json(), { id: rows[0].id })
      assert.equal(replay.headers['idempotent-replayed'], 'true')
      const other = await send(3)
      assert.equal(other.statusCode, 422)
      assert.equal(other.json().error.code, 'IDEMPOTENCY_KEY_REUSED')
    } finally {
      await app.close()
      await db.close()
    }
  })
})
