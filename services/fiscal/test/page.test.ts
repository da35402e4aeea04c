import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ADMIN_HEADER, ADMIN_TOKEN, HOSTILE_PARK_TEXT, SESSION_TOKEN, statusScenario } from './page-scenario.ts'
import { SECRETS } from './secrets.ts'

describe('the fiscal status page (HTML over the admin API)', () => {
  let fiscal: Awaited<ReturnType<typeof statusScenario>>
  before(async () => {
    fiscal = await statusScenario({ parkText: HOSTILE_PARK_TEXT })
  })
  after(async () => {
    await fiscal?.close()
  })
  const get = (url: string, headers: Record<string, string> = {}) => fiscal.app.inject({ method: 'GET', url, headers })

  test('the scenario holds what the page must show (checked through the JSON API)', async () => {
    const boxes = (await get('/api/cashboxes', ADMIN_HEADER)).json().cashboxes
    assert.deepEqual(
      boxes.map((b: { znk: string; parked: { code: number } | null; last_receipt_offline: boolean | null }) => [
        b.znk,
        b.parked?.code ?? null,
        b.last_receipt_offline,
      ]),
      [
        ['SWK1', null, true],
        ['SWK2', 18, null],
        ['SWK3', null, null],
      ],
    )
    const recovering = (await get('/api/receipts?status=recovering', ADMIN_HEADER)).json().receipts
    assert.equal(recovering.length, 1)
    assert.equal(recovering[0].cashbox, 'SWK3')
    const attention = (await get('/api/receipts?status=needs_attention', ADMIN_HEADER)).json().receipts
    assert.equal(attention.length, 1)
    assert.match(attention[0].last_error, /^RETURN_BASIS_MISSING/)
  })

  test('the shell is Russian by default, carries no data, and is a page with the platform headers', async () => {
    const res = await get('/status', { 'accept-language': 'en-US,en;q=0.9' })
    assert.equal(res.statusCode, 200)
    assert.match(res.headers['content-type'] as string, /^text\/html/)
    assert.equal(res.headers['cache-control'], 'no-store')
    assert.match(res.headers['content-security-policy'] as string, /default-src 'none'/)
    assert.match(res.body, /<html lang="ru">/)
    assert.match(res.body, /Вход для оператора/)
    assert.match(res.body, /data-panel="\/status\/panel\?lang=ru"/)
    assert.doesNotMatch(res.body, /SWK1|TXPAGE/)
  })

  test('the panel refuses a missing or wrong admin token with 401 and shows nothing', async () => {
    const refused: Record<string, string>[] = [{}, { authorization: 'Bearer wrong-token-wrong-token-wrong-token-00' }]
    for (const headers of refused) {
      const res = await get('/status/panel', headers)
      assert.equal(res.statusCode, 401)
      assert.doesNotMatch(res.body, /SWK1|TXPAGE/)
    }
  })

  test('the panel shows cashboxes with their states, the token state and the receipt that needs a person', async () => {
    const res = await get('/status/panel?lang=ru', ADMIN_HEADER)
    assert.equal(res.statusCode, 200, res.body)
    const body = res.body
    assert.match(body, /data-cashbox="SWK2"[\s\S]*data-state="parked"[\s\S]*Остановлена \(18\)/)
    assert.match(body, /data-cashbox="SWK3"[\s\S]*data-state="unreachable"[\s\S]*Нет связи с Webkassa/)
    assert.match(body, /data-cashbox="SWK1"[\s\S]*data-state="ofd-offline"[\s\S]*Webkassa не связывается с ОФД/)
    assert.match(body, /data-shift-age="1390"[\s\S]*скоро 24 ч/)
    assert.match(body, /data-receipt="\d+"[\s\S]*RETURN_BASIS_MISSING[\s\S]*href="\/status\/receipts\/\d+\?lang=ru"/)
    assert.match(body, /data-token-generation="true">1</)
  })

  test('what Webkassa says is shown as text, never as markup', async () => {
    const body = (await get('/status/panel', ADMIN_HEADER)).body
    assert.ok(!body.includes(HOSTILE_PARK_TEXT), 'the raw reason would be markup')
    assert.ok(body.includes('&lt;img src=x onerror=alert(1)>'), body)
  })

  test('no secret reaches the panel or a receipt page: not the session token, the password, the key or the login', async () => {
    const bodies = [
      (await get('/status/panel', ADMIN_HEADER)).body,
      (await get('/status/panel?lang=en', ADMIN_HEADER)).body,
    ]
    const attention = (await get('/api/receipts?status=needs_attention', ADMIN_HEADER)).json().receipts
    bodies.push((await get(`/status/receipts/${attention[0].id}/panel`, ADMIN_HEADER)).body)
    for (const body of bodies) {
      for (const secret of [
        SESSION_TOKEN,
        SECRETS.tokenMarker,
        SECRETS.password,
        SECRETS.apiKey,
        SECRETS.login,
        ADMIN_TOKEN,
      ]) {
        assert.ok(!body.includes(secret), `page text holds ${secret}`)
      }
    }
  })

  test('a receipt panel shows its status, reason and attempts; an unknown receipt is 404', async () => {
    const [receipt] = (await get('/api/receipts?status=recovering', ADMIN_HEADER)).json().receipts
    const res = await get(`/status/receipts/${receipt.id}/panel?lang=en`, ADMIN_HEADER)
    assert.equal(res.statusCode, 200)
    assert.match(res.body, /looking it up at Webkassa/)
    assert.match(res.body, /answer lost \(timeout\)|lookup timeout/)
    assert.match(res.body, /<td>1<\/td>/)
    const missing = await get('/status/receipts/999999/panel', ADMIN_HEADER)
    assert.equal(missing.statusCode, 404)
    assert.match(missing.body, /Чек не найден/)
    assert.equal((await get('/status/receipts/abc')).statusCode, 400)
  })
})
