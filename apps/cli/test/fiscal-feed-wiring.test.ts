import assert from 'node:assert/strict'
import { test } from 'node:test'
import { WEBKASSA_SIM_DEMO } from '@kokdala/webkassa-simulator'
import { applyProfile, platform } from '../src/platform.ts'

/** The environment `kokdala start --only …` builds: each started descriptor's demo profile, then its wiring. */
function startEnv(names: string[], env: Record<string, string | undefined> = {}) {
  const wanted = platform.filter((descriptor) => names.includes(descriptor.name))
  for (const descriptor of wanted) {
    if (descriptor.profiles?.demo) applyProfile(env, descriptor as never, 'demo')
    descriptor.wire?.(env, new Set(names))
  }
  const configOf = (name: string) =>
    platform.find((descriptor) => descriptor.name === name)!.loadConfig(env) as Record<string, unknown>
  return { env, configOf }
}

test('npm start: payments feeds fiscal at its port with the secret fiscal verifies, fiscal uses every demo cashbox', () => {
  const { configOf } = startEnv(['kaspi', 'webkassa', 'payments', 'fiscal'], { FISCAL_PORT: '18182' })
  const payments = configOf('payments')
  const fiscal = configOf('fiscal')
  assert.equal(payments.PAYMENTS_FISCAL_WEBHOOK_URL, 'http://127.0.0.1:18182/api/payment-events')
  assert.match(String(payments.PAYMENTS_FISCAL_WEBHOOK_SECRET), /^whsec_/)
  assert.equal(payments.PAYMENTS_FISCAL_WEBHOOK_SECRET, fiscal.FISCAL_PAYMENTS_WEBHOOK_SECRET)
  assert.deepEqual(String(fiscal.FISCAL_CASHBOXES).split(','), [...WEBKASSA_SIM_DEMO.cashboxes])
})

test('npm start without fiscal: payments has no fiscal feed', () => {
  const { configOf } = startEnv(['kaspi', 'payments'])
  assert.equal(configOf('payments').PAYMENTS_FISCAL_WEBHOOK_URL, undefined)
})

test('the operator’s own feed URL wins over the wiring', () => {
  const { configOf } = startEnv(['payments', 'fiscal'], {
    PAYMENTS_FISCAL_WEBHOOK_URL: 'https://fiscal.example.kz/api/payment-events',
  })
  assert.equal(configOf('payments').PAYMENTS_FISCAL_WEBHOOK_URL, 'https://fiscal.example.kz/api/payment-events')
})
