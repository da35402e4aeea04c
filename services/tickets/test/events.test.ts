import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { client, startTickets } from './harness.ts'

describe('GET /api/events', () => {
  let t: Awaited<ReturnType<typeof startTickets>>
  let api: ReturnType<typeof client>
  const search = (query: string, extra = '') => api.get(`/api/events?query=${encodeURIComponent(query)}${extra}`)
  before(async () => {
    t = await startTickets()
    api = client(t)
  })
  after(() => t.close())

  test('without query or date lists the active events only, in id order, as {id, title}', async () => {
    const response = await api.get('/api/events?page=1&pageSize=20')
    assert.equal(response.status, 200)
    assert.deepEqual(
      response.json.map((e: { id: number }) => e.id),
      [1, 2, 3],
    )
    assert.deepEqual(Object.keys(response.json[0]).sort(), ['id', 'title'])
    assert.equal(response.json[0].title, 'Концерт мировой звезды Селеста Морейра из Лусарии')
  })

  test('pages are stable and bounded by pageSize', async () => {
    assert.deepEqual((await api.get('/api/events?page=2&pageSize=2')).json, [
      { id: 3, title: 'Сольный концерт Анна Иванов' },
    ])
    assert.deepEqual((await api.get('/api/events?page=9&pageSize=2')).json, [])
  })

  test('invalid paging or dates are a 400 with a JSON error', async () => {
    for (const query of ['pageSize=21', 'pageSize=0', 'page=0', 'page=x', 'date=2024-13-45', 'date=yesterday']) {
      const response = await api.get(`/api/events?${query}`)
      assert.equal(response.status, 400, query)
      assert.equal(response.json.error.code, 'VALIDATION_FAILED', query)
    }
  })

  test('search finds Russian word forms in titles and descriptions of active and archive events', async () => {
    const ids = async (query: string, extra = '') => (await search(query, extra)).json.map((e: { id: number }) => e.id)
    assert.deepEqual(await ids('азарт'), [100000], 'азарт finds "азарта" in a description')
    assert.deepEqual(await ids('концерт'), [1, 3, 100000], 'концерт finds Концерт, Сольный концерт, Гала-концерт')
    assert.deepEqual(await ids('Дмитрий Козлов'), [100000])
    assert.deepEqual(await ids('КРАСНАЯ шапочка'), [100002], 'case-insensitive')
    assert.deepEqual(await ids('Экспозиция "Звездные войны"'), [100001], 'quoted phrase')
    assert.deepEqual(await ids('"войны Звездные"'), [], 'a phrase keeps its word order')
  })

  test('the date filter applies to search and alone', async () => {
    const onDay = await search('концерт', '&date=2024-12-25')
    assert.deepEqual(
      onDay.json.map((e: { id: number }) => e.id),
      [100000],
    )
    const dayOnly = await api.get('/api/events?date=2024-12-25')
    assert.deepEqual(
      dayOnly.json.map((e: { id: number }) => e.id),
      [100000, 100002],
    )
  })

  test('a query without searchable words finds nothing rather than failing', async () => {
    const response = await search('"" ,,, !!')
    assert.equal(response.status, 200)
    assert.deepEqual(response.json, [])
  })
})

describe('GET /api/events under abuse', () => {
  test('searches that miss the cache are limited per client address; cached answers and listings are not', async () => {
    const t = await startTickets({ SEARCH_RATE_PER_MINUTE: '3' })
    try {
      const get = (url: string, remoteAddress = '10.0.0.1') => t.app.inject({ method: 'GET', url, remoteAddress })
      for (const word of ['один', 'два', 'три']) assert.equal((await get(`/api/events?query=${word}`)).statusCode, 200)
      const limited = await get('/api/events?query=четыре')
      assert.equal(limited.statusCode, 429)
      assert.equal(limited.json().error.code, 'RATE_LIMITED')
      assert.ok(Number(limited.headers['retry-after']) > 0)
      assert.equal((await get('/api/events?query=один')).statusCode, 200, 'a cached answer costs nothing')
      assert.equal((await get('/api/events?page=1&pageSize=20')).statusCode, 200, 'listing is not a search')
      assert.equal((await get('/api/events?query=четыре', '10.0.0.2')).statusCode, 200, 'another client is not limited')
    } finally {
      await t.close()
    }
  })

  test('a search deeper than SEARCH_MAX_RESULTS is 400 SEARCH_TOO_DEEP', async () => {
    const t = await startTickets()
    try {
      const deep = await t.app.inject({ method: 'GET', url: '/api/events?query=%D0%BA&page=50000&pageSize=20' })
      assert.equal(deep.statusCode, 400)
      assert.equal(deep.json().error.code, 'SEARCH_TOO_DEEP')
    } finally {
      await t.close()
    }
  })
})
