import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { eventually, openTestDatabase } from '@kokdala/core/testing'
import { createCameraQrReader } from '@kokdala/kaspi'
import { buildKaspiSimulatorApp } from '@kokdala/kaspi-simulator'
import { runSimulator } from '@kokdala/sim-kit'
import { buildPaymentsApp } from '../src/app.ts'
import { loadPaymentsConfig } from '../src/config.ts'
import { paymentsMigrations } from '../src/database.ts'
import { adminApi, E2E_ADMIN_TOKEN, seedApi } from './e2e-harness.ts'

/**
 * A customer who pays on the terminal before the camera has read its QR (a slow read under load; the terminal's own
 * screen shows the QR too). The cancel that follows the failed read comes too late: the money is taken. Seen in the
 * fiscal 1 000-payment test under CPU pressure as payments paid twice (an answer "terminal unavailable", the
 * customer's second attempt paid again, and the first capture arriving too: a second sale receipt at Webkassa).
 * Made certain here: the simulator pays 20 ms after the start and puts the QR on the screen only after a minute.
 */
describe('e2e: paid before the QR was read', () => {
  let close: () => Promise<void>
  let api: ReturnType<typeof seedApi>
  before(async () => {
    const sim = await runSimulator({
      name: 'kaspi',
      host: '127.0.0.1',
      port: 0,
      build: () => buildKaspiSimulatorApp({ terminals: [{ id: '1' }, { id: '2' }], autoPayMs: 20, qrDelayMs: 60_000 }),
    })
    const db = await openTestDatabase(paymentsMigrations)
    const camera = createCameraQrReader({ baseUrl: `${sim.url}/camera`, scanTimeoutMs: 300 })
    const payments = await buildPaymentsApp({
      config: loadPaymentsConfig({
        LOG_LEVEL: 'silent',
        PAYMENTS_ADMIN_TOKEN: E2E_ADMIN_TOKEN,
        KASPI_SIMULATOR_URL: sim.url,
        KASPI_TERMINAL_TIMEOUT_MS: '15000',
        KASPI_POLL_INTERVAL_MS: '200',
        PAYMENTS_PUBLIC_RATE_PER_MINUTE: '0',
      }),
      db,
      background: true,
      overrides: { terminals: { qrReader: camera } },
    })
    const url = await payments.app.listen({ port: 0, host: '127.0.0.1' })
    const admin = adminApi(url)
    await eventually(async () => (await admin.terminals()).length === 2, 10_000, 'terminals adopted')
    api = seedApi(url, (await admin.sourceToken('shop')).token)
    close = async () => {
      await payments.app.close()
      await camera.close()
      await db.close()
      await sim.close()
    }
  })
  after(() => close?.())

  it('the money taken is the attempt’s: /kaspi says the payment is paid, and a retry never charges again', async () => {
    const created = await api.init({ amount: 1000, description: 'Заказ' })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    const id: string = created.body.data.transaction_id

    const started = await api.kaspi(id, 'kaspi_gold')
    assert.equal(
      started.status,
      409,
      `not "terminal unavailable" (the customer would pay again): ${JSON.stringify(started.body)}`,
    )
    // What the 1 000-payment runner reads to stop: the payment moved on, its status says where.
    assert.equal(started.body.code, 'PAYMENT_NOT_PAYABLE', JSON.stringify(started.body))
    assert.equal(started.body.details?.status, 'paid', JSON.stringify(started.body))

    // A customer (or the e2e runner) trying again starts nothing: the other terminal takes no second payment.
    const again = await api.kaspi(id, 'kaspi_gold')
    assert.equal(again.status, 409, JSON.stringify(again.body))
    // Longer than the poller's round: a second capture, had there been one, would show.
    await new Promise((resolve) => setTimeout(resolve, 1500))
    const status = await api.status(id)
    assert.equal(status.body.data.status, 'paid', JSON.stringify(status.body))
    assert.equal(status.body.data.paid_amount, 1000, `paid once: ${JSON.stringify(status.body)}`)
  })
})
