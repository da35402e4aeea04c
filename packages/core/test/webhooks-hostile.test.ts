import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { Database } from '../src/db.ts'
import { coreMigrationsDir } from '../src/index.ts'
import { openTestDatabase } from '../src/testing/index.ts'
import { createWebhookEndpoint, rotateWebhookSecret } from '../src/webhooks/endpoints.ts'

let db: Database
before(async () => {
  db = await openTestDatabase(coreMigrationsDir)
})
after(() => db.close())

test('a malformed secret given for an endpoint is a 400 VALIDATION_FAILED, not a TypeError (500)', async () => {
  for (const secret of ['', 'whsec_', 'whsec_c2hvcnQ=', 'not-a-secret', `whsec_${'A'.repeat(10_000)}`, 'whsec_\0']) {
    await assert.rejects(
      db.transaction((tx) => createWebhookEndpoint(tx, { url: 'https://receiver.example/hook', secret })),
      { code: 'VALIDATION_FAILED' },
      JSON.stringify(secret.slice(0, 20)),
    )
  }
  const { id } = await db.transaction((tx) => createWebhookEndpoint(tx, { url: 'https://receiver.example/hook' }))
  await assert.rejects(
    db.transaction((tx) => rotateWebhookSecret(tx, id, { secret: 'whsec_short' })),
    { code: 'VALIDATION_FAILED' },
  )
})

test('a URL with a user name or password is refused: fetch would fail every attempt and log the password', async () => {
  for (const url of [
    'https://user:hunter2@receiver.example/hook',
    'http://user@receiver.example/',
    'http://:pw@x.example/',
  ]) {
    await assert.rejects(
      db.transaction((tx) => createWebhookEndpoint(tx, { url })),
      { code: 'VALIDATION_FAILED' },
      url,
    )
  }
})

test('a URL pointing at loopback, private or link-local addresses is refused unless allowed', async () => {
  const refused = [
    'http://127.0.0.1/hook',
    'http://127.1/',
    'http://2130706433/',
    'http://0x7f000001/',
    'http://0.0.0.0:8080/',
    'http://10.1.2.3/',
    'http://172.16.0.1/',
    'http://192.168.1.1/',
    'http://169.254.169.254/latest/meta-data/',
    'http://100.64.0.1/',
    'http://[::1]/',
    'http://[::]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[fd00::1]/',
    'http://[fe80::1]/',
    'http://localhost:3000/',
    'http://admin.localhost/',
  ]
  for (const url of refused) {
    await assert.rejects(
      db.transaction((tx) => createWebhookEndpoint(tx, { url })),
      { code: 'VALIDATION_FAILED' },
      url,
    )
  }
  for (const url of ['https://public.example/hook', 'http://8.8.8.8/', 'http://[2001:db8::1]/', 'http://172.32.0.1/']) {
    await db.transaction((tx) => createWebhookEndpoint(tx, { url }))
  }
  await db.transaction((tx) => createWebhookEndpoint(tx, { url: 'http://127.0.0.1:9/', allowPrivateNetworks: true }))
})

test('a URL registered twice is 409 CONFLICT and leaves the transaction usable; NUL and controls are 400', async () => {
  await db.transaction((tx) => createWebhookEndpoint(tx, { url: 'https://twice.example/hook' }))
  await db.transaction(async (tx) => {
    await assert.rejects(createWebhookEndpoint(tx, { url: 'https://twice.example/hook' }), { code: 'CONFLICT' })
    await tx.query('SELECT 1')
  })
  for (const url of [
    'https://nul.example/\0',
    'https://nul.example/a b',
    ' https://nul.example/',
    'https://nul.example/\n',
  ]) {
    await assert.rejects(
      db.transaction((tx) => createWebhookEndpoint(tx, { url })),
      { code: 'VALIDATION_FAILED' },
      JSON.stringify(url),
    )
  }
  for (const description of ['a\0b', 'x'.repeat(501)]) {
    await assert.rejects(
      db.transaction((tx) => createWebhookEndpoint(tx, { url: 'https://described.example/', description })),
      { code: 'VALIDATION_FAILED' },
    )
  }
})
