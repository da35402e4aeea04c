import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { sha256Hex } from '@kokdala/core'
import { basic, startTickets } from './harness.ts'

type Started = Awaited<ReturnType<typeof startTickets>>

const CLIENTS = 20
// Deadlocks need PostgreSQL; PGlite (one connection) runs a few rounds to check the state after each reset.
const RESETS = process.env.TEST_DATABASE_URL ? 12 : 4

/** Twenty more buyers, so the per-user caps do not turn most of the load into 429s. */
async function addBuyers(t: Started) {
  const users = Array.from({ length: CLIENTS }, (_, i) => ({
    id: 1_000 + i,
    email: `reset_race_${i}@test.tix`,
    password: `password-${i}`,
  }))
  for (const user of users) {
    await t.db.query(
      `INSERT INTO app_user (id, email, password_hash, first_name, surname, registered_at)
       VALUES ($1, $2, $3, 'Тест', 'Тестов', now())`,
      [user.id, user.email, sha256Hex(user.password)],
    )
  }
  return users
}

/** Every claim on a seat belongs to a booking that exists, and no booking holds seats of another event. */
async function assertConsistent(t: Started, label: string) {
  const { rows } = await t.db.query<{ orphans: number; strays: number; unpaid: number }>(
    `SELECT
       (SELECT count(*)::int FROM seat_claim c
        WHERE c.booking_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM booking b WHERE b.id = c.booking_id)) AS orphans,
       (SELECT count(*)::int FROM seat_claim c JOIN booking b ON b.id = c.booking_id
        WHERE b.event_id <> c.event_id) AS strays,
       (SELECT count(*)::int FROM booking b
        WHERE b.status = 'PAYMENT_INITIATED' AND NOT EXISTS (SELECT 1 FROM payment p WHERE p.booking_id = b.id)) AS unpaid`,
  )
  assert.deepEqual(rows[0], { orphans: 0, strays: 0, unpaid: 0 }, label)
}

describe('POST /api/reset while buyers select, book and pay', () => {
  test('resets in a loop beside 20 busy clients never answer 5xx, and each leaves a consistent state', async () => {
    // Per-user rate limits off: twenty clients hammering is the point here.
    const t = await startTickets({ CREATE_BOOKING_LIMIT_PER_MINUTE: '0', SELECT_SEAT_LIMIT_PER_MINUTE: '0' })
    try {
      const users = await addBuyers(t)
      const failures: string[] = []
      const call = async (method: 'GET' | 'POST' | 'PATCH', url: string, auth?: string, payload?: object) => {
        const response = await t.app.inject({ method, url, headers: auth ? { authorization: auth } : {}, payload })
        if (response.statusCode >= 500) failures.push(`${method} ${url}: ${response.statusCode} ${response.body}`)
        return response
      }
      let resetsDone = 0
      const buyer = async (user: (typeof users)[number], index: number) => {
        const auth = basic(user)
        let seat = 200_001 + index * 40
        while (resetsDone < RESETS) {
          const created = await call('POST', '/api/bookings', auth, { event_id: 2 })
          if (created.statusCode !== 201) continue
          const bookingId = created.json().id
          for (let i = 0; i < 2; i++) {
            seat = seat >= 200_001 + index * 40 + 39 ? 200_001 + index * 40 : seat + 1
            await call('PATCH', '/api/seats/select', auth, { booking_id: bookingId, seat_id: seat })
          }
          await call('GET', '/api/seats?event_id=2&pageSize=20')
          const initiated = await call('PATCH', '/api/bookings/initiatePayment', auth, { booking_id: bookingId })
          if (initiated.statusCode === 302 && index % 2 === 0) {
            const page = new URL(String(initiated.headers.location)).pathname
            const paid = await call('POST', `${page}/pay`)
            if (paid.statusCode === 302) {
              const back = new URL(String(paid.headers.location))
              await call('GET', `${back.pathname}${back.search}`)
            }
          } else {
            await call('PATCH', '/api/bookings/cancel', auth, { booking_id: bookingId })
          }
          await call('GET', '/api/bookings', auth)
        }
      }
      const resets = async () => {
        while (resetsDone < RESETS) {
          const { rows } = await t.db.query<{ id: number }>('SELECT max(id)::int AS id FROM booking')
          const reset = await call('POST', '/api/reset')
          let passed = false
          try {
            assert.equal(reset.statusCode, 200, reset.body)
            // Bookings made before the reset began are gone after it.
            const { rows: left } = await t.db.query('SELECT 1 FROM booking WHERE id <= $1', [rows[0].id ?? 0])
            assert.equal(left.length, 0, `reset ${resetsDone} left bookings that existed before it`)
            await assertConsistent(t, `after reset ${resetsDone}`)
            passed = true
          } finally {
            // The buyers stop with the resets, also when one failed, so nothing runs on after the app closes.
            resetsDone = passed ? resetsDone + 1 : RESETS
          }
        }
      }
      const outcomes = await Promise.allSettled([resets(), ...users.map(buyer)])
      assert.deepEqual(failures, [])
      for (const outcome of outcomes) if (outcome.status === 'rejected') throw outcome.reason
    } finally {
      await t.close()
    }
  })
})
