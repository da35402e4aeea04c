import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'

/**
 * Nothing secret in the logs: a payments process at debug level with request logging on is driven through tokens,
 * webhook secrets, customer details, a failing terminal and refusals; its whole pino output is then searched for
 * every secret it was handed. The scenario runs in a child process (this file, with ATTACK_LOG_CHILD set) so the
 * test reads exactly what the process writes to stdout and stderr.
 */

const SECRETS = {
  adminToken: 'admin-SECRET-for-log-attack-0123456789abcdef',
  webhookSecret: 'whook-SECRET-4f1c9b',
  terminalToken: 'terminal-SECRET-77aa10',
  customerName: 'Секретный Клиент',
  customerPhone: '+77009998877',
  customerEmail: 'secret.customer@example.kz',
}

async function child() {
  const { openTestDatabase } = await import('@kokdala/core/testing')
  const { buildPaymentsApp } = await import('../src/app.ts')
  const { loadPaymentsConfig } = await import('../src/config.ts')
  const { paymentsMigrations } = await import('../src/database.ts')
  const db = await openTestDatabase(paymentsMigrations)
  const config = loadPaymentsConfig({
    LOG_LEVEL: 'trace',
    LOG_REQUESTS: 'true',
    PAYMENTS_ADMIN_TOKEN: SECRETS.adminToken,
    KASPI_TERMINAL_TIMEOUT_MS: '300',
    KASPI_CAMERA_URL: 'http://127.0.0.1:9/camera',
  })
  const { app, services } = await buildPaymentsApp({ config, db, background: false })
  const admin = { authorization: `Bearer ${SECRETS.adminToken}` }
  const issued = await app.inject({
    method: 'POST',
    url: '/api/admin/sources/tokens',
    headers: admin,
    payload: { source: 'logs' },
  })
  const token = issued.json().data.token as string
  process.stderr.write(`SOURCE_TOKEN=${token}\n`)
  // A terminal nobody answers at: its calls fail and are logged.
  await app.inject({
    method: 'POST',
    url: '/api/admin/terminals',
    headers: admin,
    payload: { name: 'dead', base_url: 'http://127.0.0.1:9', access_token: SECRETS.terminalToken, camera_id: 'c1' },
  })
  const made = await app.inject({
    method: 'POST',
    url: '/api/payment/init',
    headers: { 'x-api-token': token, 'idempotency-key': 'log-attack-1' },
    payload: {
      amount: 1000,
      customer_name: SECRETS.customerName,
      customer_phone: SECRETS.customerPhone,
      customer_email: SECRETS.customerEmail,
      webhook_url: 'https://merchant.example.kz/hook',
      webhook_secret: SECRETS.webhookSecret,
    },
  })
  const id = made.json().data.transaction_id
  await app.inject({ method: 'POST', url: `/api/payment/${id}/kaspi`, payload: { payment_method: 'kaspi_gold' } })
  await app.inject({ method: 'GET', url: `/api/payment/${id}/status` })
  await app.inject({ method: 'POST', url: `/api/payment/${id}/cancel`, headers: { 'x-api-token': token } })
  // Refusals: a wrong token that is nearly right, a wrong admin token, a body that does not parse.
  await app.inject({
    method: 'POST',
    url: '/api/payment/init',
    headers: { 'x-api-token': `${token.slice(0, -1)}x` },
    payload: { amount: 1 },
  })
  await app.inject({
    method: 'GET',
    url: '/api/admin/sources',
    headers: { authorization: `Bearer ${SECRETS.adminToken}x` },
  })
  await app.inject({
    method: 'POST',
    url: '/api/payment/init',
    headers: { 'x-api-token': token, 'content-type': 'application/json' },
    payload: `{"webhook_secret":"${SECRETS.webhookSecret}",`,
  })
  await services.worker.runDue().catch(() => undefined)
  await app.close()
  await db.close()
}

if (process.env.ATTACK_LOG_CHILD) {
  await child()
} else {
  describe('attack: secrets in the logs', () => {
    it('never writes a token, a webhook secret, a terminal access token or customer details to the log', async () => {
      const file = fileURLToPath(import.meta.url)
      const output = await new Promise<{ stdout: string; stderr: string; code: number | null }>((resolve) => {
        const proc = spawn(process.execPath, [file], {
          env: { ...process.env, ATTACK_LOG_CHILD: '1', TEST_DATABASE_URL: process.env.TEST_DATABASE_URL ?? '' },
          stdio: ['ignore', 'pipe', 'pipe'],
        })
        let stdout = ''
        let stderr = ''
        proc.stdout.on('data', (chunk) => {
          stdout += chunk
        })
        proc.stderr.on('data', (chunk) => {
          stderr += chunk
        })
        proc.on('close', (code) => resolve({ stdout, stderr, code }))
      })
      assert.equal(output.code, 0, output.stderr)
      const sourceToken = /SOURCE_TOKEN=(\S+)/.exec(output.stderr)?.[1]
      assert.ok(sourceToken, 'the child issued a source token')
      const log = output.stdout + output.stderr.replace(/SOURCE_TOKEN=\S+/, '')
      assert.ok(log.split('\n').length > 10, 'the process did log (at trace level)')
      const leaks = Object.entries({ ...SECRETS, sourceToken }).filter(([, secret]) => log.includes(secret))
      assert.deepEqual(
        leaks.map(([name]) => name),
        [],
        `secrets in the log: ${leaks
          .map(
            ([name, secret]) =>
              `${name}: ${log
                .split('\n')
                .find((l) => l.includes(secret))
                ?.slice(0, 300)}`,
          )
          .join('\n')}`,
      )
    })
  })
}
