import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setTimeout as delay } from 'node:timers/promises'
import { fetchJson } from '@kokdala/core/testing'
import { buildKaspiSimulatorApp, type KaspiSimulatorOptions } from '../src/app.ts'
import { kaspiSimulatorFromEnv } from '../src/env.ts'
import { kaspiSimulatorService } from '../src/service.ts'
import { control, startKaspiSimulator } from './helpers.ts'

async function withSim(options: KaspiSimulatorOptions, run: (url: string) => Promise<void>) {
  const sim = await startKaspiSimulator(options)
  try {
    await run(sim.url)
  } finally {
    await sim.close()
  }
}

const token = (id: string) => ({ accesstoken: `kaspi-sim-token-${id}` })

async function get(url: string, path: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}${path}`, { headers })
  return { status: response.status, json: await response.json() }
}

async function startPayment(url: string, id: string, amount: number): Promise<string> {
  const answer = await get(url, `/terminals/${id}/v2/payment?amount=${amount}`)
  assert.equal(answer.json.statusCode, 0, JSON.stringify(answer.json))
  return answer.json.data.processId
}

async function status(url: string, id: string, processId: string) {
  return (await get(url, `/terminals/${id}/v2/status?processId=${processId}`)).json.data
}

test('config: N terminals with ids 1..N and derived tokens, tokens overridable, port from KASPI_SIM_PORT', () => {
  const defaults = kaspiSimulatorFromEnv({})
  assert.equal(defaults.port, 9003)
  assert.deepEqual(
    defaults.options.terminals?.map((t) => [t.id, t.accessToken]),
    [1, 2, 3, 4].map((i) => [String(i), `kaspi-sim-token-${i}`]),
  )
  assert.equal(defaults.options.autoPayMs, 0)
  const custom = kaspiSimulatorFromEnv({
    KASPI_SIM_PORT: '9100',
    KASPI_SIM_TERMINALS: '2',
    KASPI_SIM_ACCESS_TOKENS: '2=s3cret',
    KASPI_SIM_AUTO_PAY_MS: '1500',
  })
  assert.equal(custom.port, 9100)
  assert.deepEqual(
    custom.options.terminals?.map((t) => t.accessToken),
    ['kaspi-sim-token-1', 's3cret'],
  )
  assert.equal(custom.options.autoPayMs, 1500)
  for (const bad of [
    { KASPI_SIM_TERMINALS: '-1' },
    { KASPI_SIM_AUTO_PAY_MS: 'soon' },
    { KASPI_SIM_ACCESS_TOKENS: '1' },
  ]) {
    assert.throws(() => kaspiSimulatorFromEnv(bad), JSON.stringify(bad))
  }
})

test('the descriptor: name kaspi, port variable, auto-pay in the demo profile, wires its URL for services', () => {
  assert.equal(kaspiSimulatorService.name, 'kaspi')
  assert.equal(kaspiSimulatorService.role, 'simulator')
  assert.equal(kaspiSimulatorService.portVariable, 'KASPI_SIM_PORT')
  assert.equal(kaspiSimulatorService.profiles?.demo?.KASPI_SIM_AUTO_PAY_MS, '3000')
  const env: Record<string, string | undefined> = { KASPI_SIM_PORT: '9555' }
  kaspiSimulatorService.wire?.(env, new Set(['kaspi', 'payments']))
  assert.equal(env.KASPI_SIMULATOR_URL, 'http://127.0.0.1:9555')
})

test('production closes the control routes; health stays and counts the terminals', async () => {
  const { options } = kaspiSimulatorFromEnv({ NODE_ENV: 'production' })
  assert.equal(options.controlRoutes, false)
  const app = await buildKaspiSimulatorApp(options)
  try {
    for (const url of ['/__sim/terminals', '/__sim/faults', '/__sim/terminals/1/transactions']) {
      assert.equal((await app.inject({ url })).statusCode, 404, url)
    }
    assert.equal((await app.inject({ method: 'POST', url: '/__sim/terminals/1/pay', payload: {} })).statusCode, 404)
    assert.deepEqual((await app.inject({ url: '/__sim/health' })).json(), { status: 'ok', terminals: 4 })
  } finally {
    await app.close()
  }
})

test('terminals are independent: each its own screen, token and history, by path', async () => {
  await withSim({ terminals: [{ id: '1' }, { id: '2' }] }, async (url) => {
    const first = await startPayment(url, '1', 100)
    const second = await startPayment(url, '2', 200)
    await control(url, '/__sim/terminals/2/pay')
    assert.equal((await status(url, '1', first)).status, 'wait')
    assert.equal((await status(url, '2', second)).status, 'success')
    // A process is the terminal's own: another terminal does not know it.
    assert.notEqual((await get(url, `/terminals/1/v2/status?processId=${second}`)).json.statusCode, 0)
    assert.equal((await get(url, '/terminals/1/v2/deviceinfo', token('2'))).status, 401)
    assert.equal((await get(url, '/terminals/1/v2/deviceinfo', token('1'))).status, 200)
    const listed = (await fetchJson(url, 'GET', '/__sim/terminals')).json.terminals
    assert.deepEqual(
      listed.map((t: { id: string; state: string }) => [t.id, t.state]),
      [
        ['1', 'waiting'],
        ['2', 'idle'],
      ],
    )
    const added = await control(url, '/__sim/terminals', { id: 'hall-3' })
    assert.equal(added.accessToken, 'kaspi-sim-token-hall-3')
    assert.equal((await fetchJson(url, 'POST', '/__sim/terminals', { id: 'hall-3' })).status, 409)
  })
})

test('transactions list what each terminal took and gave back, for reconciliation', async () => {
  await withSim({ terminals: [{ id: '1' }] }, async (url) => {
    await startPayment(url, '1', 1000)
    await control(url, '/__sim/terminals/1/pay', { productType: 'Credit', amount: 1140 })
    const declined = await startPayment(url, '1', 50)
    await control(url, '/__sim/terminals/1/fail')
    assert.equal((await status(url, '1', declined)).status, 'fail')
    const [purchase] = (await fetchJson(url, 'GET', '/__sim/terminals/1/transactions')).json.transactions
    const refund = await get(
      url,
      `/terminals/1/v2/refund?method=qr&amount=140&transactionId=${purchase.transactionId}`,
      token('1'),
    )
    assert.equal(refund.json.statusCode, 0)
    assert.equal((await fetchJson(url, 'GET', '/__sim/terminals/1')).json.state, 'refund')
    await control(url, '/__sim/terminals/1/confirm-refund')
    const { transactions } = (await fetchJson(url, 'GET', '/__sim/terminals/1/transactions')).json
    assert.deepEqual(
      transactions.map((t: Record<string, unknown>) => [t.type, t.amount, t.productType, t.refundOf ?? null]),
      [
        ['purchase', 1140, 'Credit', null],
        ['refund', 140, 'Credit', purchase.transactionId],
      ],
    )
    assert.equal(transactions[0].refundedAmount, 140)
    assert.equal(transactions[0].loanTerm, 12)
  })
})

test('auto-pay: the customer pays the asked amount with Gold after the delay, and confirms refunds', async () => {
  await withSim({ terminals: [{ id: '1' }], autoPayMs: 50 }, async (url) => {
    const processId = await startPayment(url, '1', 4200)
    assert.equal((await status(url, '1', processId)).status, 'wait')
    await delay(400)
    const paid = await status(url, '1', processId)
    assert.equal(paid.status, 'success')
    assert.equal(paid.amount, 4200)
    assert.equal(paid.addInfo.ProductType, 'Gold')
    const refund = await get(
      url,
      `/terminals/1/v2/refund?method=qr&amount=4200&transactionId=${paid.transactionId}`,
      token('1'),
    )
    await delay(400)
    assert.equal((await status(url, '1', refund.json.data.processId)).status, 'success')
    // A customer told to walk away does not pay, auto-pay or not.
    const left = await startPayment(url, '1', 10)
    await control(url, '/__sim/terminals/1/walk-away')
    await delay(400)
    assert.equal((await status(url, '1', left)).status, 'wait')
  })
})

test('a payment nobody pays times out to fail when the simulator is told to', async () => {
  await withSim({ terminals: [{ id: '1' }], paymentTimeoutMs: 50 }, async (url) => {
    const processId = await startPayment(url, '1', 10)
    await delay(400)
    const data = await status(url, '1', processId)
    assert.deepEqual([data.status, data.subStatus], ['fail', 'Timeout'])
    await startPayment(url, '1', 10)
  })
})

test('the camera waits up to its timeout for the QR to reach the screen', async () => {
  await withSim({ terminals: [{ id: '1' }], qrDelayMs: 200 }, async (url) => {
    assert.equal((await get(url, '/camera/scan-qr/1?timeout=0')).status, 404)
    const processId = await startPayment(url, '1', 10)
    const early = await get(url, '/camera/scan-qr/1?timeout=0')
    assert.deepEqual(early, { status: 404, json: { success: false, error: 'QR code not found on the screen' } })
    const started = performance.now()
    const seen = await get(url, '/camera/scan-qr/1?timeout=2000')
    assert.ok(performance.now() - started >= 100)
    assert.deepEqual(seen, { status: 200, json: { success: true, qrData: `https://qr.kaspi.kz/p/${processId}` } })
    assert.equal((await fetch(`${url}/camera/capture/1`, { method: 'HEAD' })).status, 200)
  })
})

test('latency per terminal slows only that terminal; the kit names every operation', async () => {
  await withSim({ terminals: [{ id: '1' }, { id: '2' }] }, async (url) => {
    await control(url, '/__sim/terminals/1/latency', { latencyMs: 300 })
    let started = performance.now()
    await get(url, '/terminals/1/v2/deviceinfo', token('1'))
    assert.ok(performance.now() - started >= 290)
    started = performance.now()
    await get(url, '/terminals/2/v2/deviceinfo', token('2'))
    assert.ok(performance.now() - started < 290)
    const operations = (await fetchJson(url, 'GET', '/__sim/operations')).json.operations.map(
      (o: { operation: string }) => o.operation,
    )
    for (const name of ['payment', 'status', 'actualize', 'cancel', 'refund', 'deviceinfo', 'scanQr', 'capture']) {
      assert.ok(operations.includes(name), name)
    }
  })
})

test('20 payments at once on one terminal: exactly one starts, the others are told it is busy', async () => {
  await withSim({ terminals: [{ id: '1' }] }, async (url) => {
    const answers = await Promise.all(Array.from({ length: 20 }, () => get(url, '/terminals/1/v2/payment?amount=100')))
    const codes = answers.map((answer) => answer.json.statusCode)
    assert.equal(codes.filter((code) => code === 0).length, 1)
    assert.equal(codes.filter((code) => code === 2).length, 19)
    assert.equal((await fetchJson(url, 'GET', '/__sim/terminals/1')).json.processes, 1)
  })
})
