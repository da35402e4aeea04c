import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { type StartedFiscal, startFiscal } from './harness.ts'

let fiscal: StartedFiscal
before(async () => {
  fiscal = await startFiscal()
})
after(() => fiscal.close())

test('the fiscal service answers /health with its database reachable', async () => {
  const answer = await fiscal.app.inject({ method: 'GET', url: '/health' })
  assert.equal(answer.statusCode, 200)
  assert.equal(answer.json().status, 'ok')
})

test('the fiscal service has applied its token migrations', async () => {
  const { rows } = await fiscal.db.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables WHERE table_name LIKE 'webkassa_session%' ORDER BY 1`,
  )
  assert.deepEqual(
    rows.map((row) => row.name),
    ['webkassa_session', 'webkassa_session_history'],
  )
})

test('an unknown route answers the core error envelope, not a 500', async () => {
  const answer = await fiscal.app.inject({ method: 'GET', url: '/api/nothing-here' })
  assert.equal(answer.statusCode, 404)
  assert.equal(answer.json().error.code, 'NOT_FOUND')
})
