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
