import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { manualClock } from '@kokdala/core'
import { createFakeWebkassa, type FakeWebkassa } from './fake-webkassa.ts'
import { type StartedFiscal, startFiscal } from './harness.ts'
import { CONFIGURED_ENV, SECRETS, TOKEN_KEYS } from './secrets.ts'

const opened: StartedFiscal[] = []
after(async () => {
  for (const app of opened.reverse()) await app.close()
})

async function start(fake: FakeWebkassa, env: Record<string, string> = {}, shared?: StartedFiscal) {
  const app = await startFiscal(
    { ...CONFIGURED_ENV, ...env },
    { db: shared?.db, clock: clock, overrides: { webkassa: fake.client } },
  )
  opened.push(app)
  return app
}

const clock = manualClock(new Date('2026-12-03T10:00:00Z'))

const call = (app: StartedFiscal, fake: FakeWebkassa) =>
  app.services.tokens.session.withToken((token) => fake.client.xReport(token, 'SWK00000001'))

async function storedRow(app: StartedFiscal) {
  const { rows } = await app.db.query<{ ciphertext: string; keyVersion: string; fingerprint: string }>(
    `SELECT token_ciphertext AS ciphertext, token_key_version AS "keyVersion", token_fingerprint AS fingerprint
       FROM webkassa_session WHERE account_id = 'default'`,
  )
  return rows[0] as { ciphertext: string; keyVersion: string; fingerprint: string }
}

test('the token is stored sealed under the current key, with its fingerprint, never as it is', async () => {
  const fake = createFakeWebkassa()
  const app = await start(fake)
  assert.equal((await call(app, fake)).kind, 'ok')
  const [token] = fake.issuedTokens()
  const row = await storedRow(app)
  assert.equal(row.keyVersion, 'k1')
  assert.match(row.fingerprint, /^[0-9a-f]{8}$/)
  const { rows } = await app.db.query<{ dump: string }>(
    `SELECT (SELECT string_agg(s::text, '|') FROM webkassa_session s) || '|' ||
            (SELECT string_agg(h::text, '|') FROM webkassa_session_history h) AS dump`,
  )
  assert.doesNotMatch(rows[0]?.dump ?? '', new RegExp(token as string))
  assert.doesNotMatch(rows[0]?.dump ?? '', new RegExp(SECRETS.tokenMarker))
})

test('a stored token that was tampered with is refused and replaced by a new login, not used', async () => {
  const fake = createFakeWebkassa()
  const app = await start(fake)
  await call(app, fake)
  const row = await storedRow(app)
  const raw = Buffer.from(row.ciphertext, 'base64')
  raw[raw.length - 1] = (raw[raw.length - 1] as number) ^ 0x01
  await app.db.query(`UPDATE webkassa_session SET token_ciphertext = $1`, [raw.toString('base64')])
  // A second process, which has not opened the token before, must read the row.
  const second = await start(fake, {}, app)
  const tokens: string[] = []
  const result = await second.services.tokens.session.withToken((token) => {
    tokens.push(token)
    return fake.client.xReport(token, 'SWK00000001')
  })
  assert.equal(result.kind, 'ok')
  assert.equal(fake.stats.authorize, 2, 'the unreadable token was replaced')
  assert.equal(tokens[0], fake.issuedTokens()[1])
})

test('a ciphertext moved to another account does not open there (the account id is the additional data)', async () => {
  const fake = createFakeWebkassa()
  const app = await start(fake)
  await call(app, fake)
  const row = await storedRow(app)
  const { parseKeyring } = await import('@kokdala/core')
  const ring = parseKeyring(TOKEN_KEYS.k1)
  assert.equal(ring.open({ keyVersion: 'k1', ciphertext: row.ciphertext }, 'default'), fake.issuedTokens()[0])
  assert.throws(() => ring.open({ keyVersion: 'k1', ciphertext: row.ciphertext }, 'tenant-2'), /fails/)
})

test('key rotation: with a new key in front the old token still opens; the next token is sealed with the new key', async () => {
  const fake = createFakeWebkassa()
  const before = await start(fake, { FISCAL_TOKEN_KEYS: TOKEN_KEYS.k1 })
  await call(before, fake)
  assert.equal((await storedRow(before)).keyVersion, 'k1')

  const rotated = await start(fake, { FISCAL_TOKEN_KEYS: `${TOKEN_KEYS.k2},${TOKEN_KEYS.k1}` }, before)
  assert.equal((await call(rotated, fake)).kind, 'ok')
  assert.equal(fake.stats.authorize, 1, 'the k1 token was opened and used, no new login')
  assert.equal((await rotated.services.tokens.tokens.status()).keyVersion, 'k1')

  await rotated.services.tokens.tokens.refreshNow('manual')
  assert.equal((await storedRow(rotated)).keyVersion, 'k2')
  assert.equal((await call(rotated, fake)).kind, 'ok')

  // A process still on the old keyring alone cannot open the k2 token: it logs in again rather than failing.
  const stale = await start(fake, { FISCAL_TOKEN_KEYS: TOKEN_KEYS.k1 }, before)
  assert.equal((await call(stale, fake)).kind, 'ok')
  assert.equal(fake.stats.authorize, 3)
})

test('history: each token has a row with when it was obtained and why, last used, and when it was replaced', async () => {
  const fake = createFakeWebkassa()
  const app = await start(fake)
  await call(app, fake)
  clock.advance(5 * 60_000)
  await call(app, fake)
  // The last-used mark is written after the call, without waiting for it.
  await new Promise((resolve) => setTimeout(resolve, 100))
  fake.expireAll()
  clock.advance(60_000)
  await call(app, fake)
  await new Promise((resolve) => setTimeout(resolve, 100))
  const history = (await app.services.tokens.tokens.status()).history
  assert.deepEqual(
    history.map((row) => [row.generation, row.reason]),
    [
      [2, 'expired'],
      [1, 'on_demand'],
    ],
  )
  const [second, first] = history
  assert.equal(first?.createdAt.toISOString(), '2026-12-03T10:00:00.000Z')
  assert.equal(first?.lastUsedAt?.toISOString(), '2026-12-03T10:05:00.000Z')
  assert.equal(first?.replacedAt?.toISOString(), '2026-12-03T10:06:00.000Z')
  assert.equal(second?.replacedAt, null)
  assert.equal(second?.lastUsedAt?.toISOString(), '2026-12-03T10:06:00.000Z')
  assert.notEqual(first?.fingerprint, second?.fingerprint)
})
