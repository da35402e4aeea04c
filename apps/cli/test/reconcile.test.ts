import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { basicAuthHeader, sha256Hex } from '@kokdala/core'
import { fetchJson, testDataLocation } from '@kokdala/core/testing'
import { buildEventProviderApp, type EventProviderApp, seededPlaceId } from '@kokdala/event-provider'
import { buildTicketsApp, loadTicketsConfig, openTicketsDatabase } from '@kokdala/tickets'

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url))
const BUYER = { id: 1, email: 'aysultan_talgat_1@fest.tix', password: '/8eC$AD>' }
/** Seats sold through Biletter before reconciling, and one left reserved in an unpaid booking. */
const SOLD_SEATS = [1_001, 1_002, 33_333]
const RESERVED_SEAT = 50_000
/** A seat FREE here that another partner then takes at the provider: the drift to find. */
const DRIFT = { row: 78, seat: 1, seatId: 77_001 }

/**
 * Where this file's tickets data lives: a fresh PostgreSQL database when TEST_DATABASE_URL is set (as CI does),
 * otherwise a PGlite data dir in a temp folder, which the CLI can open once the service has closed it.
 */
async function testDatabase(): Promise<{ env: Record<string, string>; drop: () => Promise<void> }> {
  const location = await testDataLocation()
  const env: Record<string, string> = location.url
    ? { DATABASE_URL: location.url }
    : { TICKETS_DATA_DIR: location.dataDir! }
  return { env, drop: () => location.drop() }
}

/** Runs `kokdala reconcile` as an operator would, with only the environment given. */
function reconcileCli(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [MAIN, 'reconcile'], { env: { PATH: process.env.PATH ?? '', ...env } })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => {
    stdout += chunk
  })
  child.stderr.on('data', (chunk) => {
    stderr += chunk
  })
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe('kokdala reconcile against the Event Provider simulator', () => {
  let provider: EventProviderApp
  let providerUrl: string
  let database: Awaited<ReturnType<typeof testDatabase>>
  let env: Record<string, string>

  const providerCall = (method: string, path: string, body?: unknown) => fetchJson(providerUrl, method, path, body)

  /** Sells seats through the tickets app (the provider saga confirms them there), then stops it like an operator. */
  async function sellThroughTickets() {
    const config = loadTicketsConfig({ ...env, LOG_LEVEL: 'warn', PAYMENT_SETTLE_TIMEOUT_MS: '5000' })
    const db = await openTicketsDatabase(config)
    const tickets = await buildTicketsApp({ config, db })
    try {
      await db.query(
        `INSERT INTO app_user (id, email, password_hash, first_name, surname, registered_at)
         VALUES ($1, $2, $3, 'Тест', 'Тестов', now())`,
        [BUYER.id, BUYER.email, sha256Hex(BUYER.password)],
      )
      await db.query(
        `INSERT INTO event (id, title, description, type, starts_at, provider, archived)
         VALUES (1, 'Концерт мировой звезды', 'Стадион на 100 тысяч зрителей.', 'concert', '2030-12-15T20:00:00', 'Билеттер', false)`,
      )
      await tickets.app.ready()
      await tickets.placesLoaded()
      const call = async (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) =>
        tickets.app.inject({
          method,
          url,
          headers: { authorization: basicAuthHeader(BUYER.email, BUYER.password) },
          payload,
        })
      const book = async (seatId: number) => {
        const booking = (await call('POST', '/api/bookings', { event_id: 1 })).json().id as number
        assert.equal(
          (await call('PATCH', '/api/seats/select', { booking_id: booking, seat_id: seatId })).statusCode,
          200,
        )
        return booking
      }
      for (const seatId of SOLD_SEATS) {
        const booking = await book(seatId)
        const initiated = await call('PATCH', '/api/bookings/initiatePayment', { booking_id: booking })
        assert.equal(initiated.statusCode, 302)
        const paid = await call('POST', `${new URL(String(initiated.headers.location)).pathname}/pay`)
        const landing = new URL(String(paid.headers.location))
        const settled = await call('GET', `${landing.pathname}${landing.search}`)
        assert.equal(settled.json().booking_status, 'CONFIRMED', `sale of seat ${seatId}`)
      }
      await book(RESERVED_SEAT)
      await until(async () => {
        const { rows } = await db.query(`SELECT 1 FROM provider_order WHERE status <> 'CONFIRMED'`)
        return rows.length === 0
      }, 'every provider order of a paid booking to be confirmed')
    } finally {
      await tickets.app.close()
      await db.close()
    }
  }

  before(
    async () => {
      provider = buildEventProviderApp({ projectionLagMs: 20 })
      await provider.listen({ port: 0, host: '127.0.0.1' })
      providerUrl = `http://127.0.0.1:${(provider.server.address() as AddressInfo).port}`
      database = await testDatabase()
      env = { ...database.env, EVENT_PROVIDER_URL: providerUrl }
      await sellThroughTickets()
    },
    { timeout: 120_000 },
  )
  after(async () => {
    await provider?.close()
    await database?.drop()
  })

  test('after sales through Biletter it prints 0 differences and exits 0', { timeout: 60_000 }, async () => {
    const run = await reconcileCli(env)
    assert.equal(run.code, 0, run.stdout + run.stderr)
    assert.match(run.stdout, /^places: 100000 compared, \d+ in flight, 0 differ, 0 cannot be mapped to a seat$/m)
    assert.match(run.stdout, new RegExp(`^orders: ${SOLD_SEATS.length} compared, 0 differ$`, 'm'))
    assert.match(run.stdout, /^0 differences$/m)
  })

  test('a seat FREE here but taken at the provider is reported, alone, and the exit code is 1', {
    timeout: 60_000,
  }, async () => {
    const placeId = seededPlaceId(DRIFT.row, DRIFT.seat)
    const orderId = (await providerCall('POST', '/api/partners/v1/orders')).json.order_id
    assert.equal(
      (await providerCall('PATCH', `/api/partners/v1/places/${placeId}/select`, { order_id: orderId })).status,
      204,
    )
    await until(
      async () => (await providerCall('GET', `/api/partners/v1/places/${placeId}`)).json.is_free === false,
      'the provider to show the place taken',
    )
    const run = await reconcileCli(env)
    assert.equal(run.code, 1, run.stdout + run.stderr)
    const listed = run.stdout.split('\n').filter((line) => line.startsWith('  '))
    assert.deepEqual(listed, [`  seat ${DRIFT.seatId} (place ${placeId}): here FREE, provider taken`])
    assert.match(run.stdout, /^places: 100000 compared, \d+ in flight, 1 differ, 0 cannot be mapped to a seat$/m)
    assert.match(run.stdout, /^1 differences$/m)
  })

  test('a provider place the stadium has no seat for is a difference of its own kind', {
    timeout: 60_000,
  }, async () => {
    const created = await providerCall('POST', '/api/admin/v1/places', { row: 101, seat: 1 })
    assert.equal(created.status, 202)
    const placeId = created.json.place_id
    await until(
      async () => (await providerCall('GET', `/api/partners/v1/places/${placeId}`)).status === 200,
      'the admin-created place to be listed',
    )
    const run = await reconcileCli(env)
    assert.equal(run.code, 1, run.stdout + run.stderr)
    assert.match(run.stdout, /^places: 100001 compared, \d+ in flight, 1 differ, 1 cannot be mapped to a seat$/m)
    assert.ok(run.stdout.includes(`  place ${placeId} at row 101, seat 1: no such seat here, provider free\n`))
    assert.match(run.stdout, /^2 differences$/m)
  })
})
