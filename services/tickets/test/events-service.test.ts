import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { AppError } from '@kokdala/core'
import type { EventRepository } from '../src/modules/events/repository.ts'
import { createEventService } from '../src/modules/events/service.ts'

/** A repository double that counts searches and answers only when told to. */
function slowRepository() {
  let searches = 0
  let release: () => void = () => {}
  const gate = new Promise<void>((resolve) => {
    release = resolve
  })
  const repository = {
    async search() {
      searches++
      await gate
      return [{ id: 100_000, title: 'Гала-концерт Дмитрий Козлов' }]
    },
    async listActive() {
      return []
    },
    async findForSale() {
      return undefined
    },
  } as unknown as EventRepository
  return { repository, release: () => release(), searches: () => searches }
}

test('concurrent identical searches share one database query, and the answer is cached afterwards', async () => {
  const slow = slowRepository()
  const events = createEventService({ events: slow.repository })
  const input = { query: 'концерт', page: 1, pageSize: 20 }
  const answers = Promise.all(Array.from({ length: 5 }, () => events.listJson(input)))
  slow.release()
  const bodies = await answers
  assert.equal(slow.searches(), 1)
  assert.ok(bodies.every((body) => body === bodies[0]))
  assert.deepEqual(JSON.parse(bodies[0].toString()), [{ id: 100_000, title: 'Гала-концерт Дмитрий Козлов' }])
  await events.listJson(input)
  assert.equal(slow.searches(), 1, 'served from the cache')
  await events.listJson({ ...input, page: 2 })
  assert.equal(slow.searches(), 2, 'another page is another query')
})

test('a failed search is not cached and the next request tries again', async () => {
  let calls = 0
  const repository = {
    async search() {
      calls++
      if (calls === 1) throw new Error('database went away')
      return []
    },
  } as unknown as EventRepository
  const events = createEventService({ events: repository })
  const input = { query: 'азарт', page: 1, pageSize: 20 }
  await assert.rejects(events.listJson(input), /went away/)
  assert.equal((await events.listJson(input)).toString(), '[]')
  assert.equal(calls, 2)
})

test('searches are capped in depth: page × pageSize beyond the limit is 400 SEARCH_TOO_DEEP; listing is not', async () => {
  const slow = slowRepository()
  slow.release()
  const events = createEventService({ events: slow.repository, searchMaxResults: 1_000 })
  await events.listJson({ query: 'концерт', page: 50, pageSize: 20 })
  for (const input of [
    { query: 'концерт', page: 51, pageSize: 20 },
    { date: '2024-12-25', page: 50_000, pageSize: 20 },
  ]) {
    await assert.rejects(events.listJson(input), (error: AppError) => error.code === 'SEARCH_TOO_DEEP')
  }
  assert.equal(slow.searches(), 1, 'a refused search never reaches the database')
  await events.listJson({ page: 100, pageSize: 20 })
})

test('searches missing the cache run a few at a time; beyond the queue they are refused with 503 SEARCH_BUSY', async () => {
  const slow = slowRepository()
  const events = createEventService({ events: slow.repository, searchConcurrency: 2, searchQueue: 3 })
  const accepted = Array.from({ length: 5 }, (_, i) => events.listJson({ query: `слово${i}`, page: 1, pageSize: 20 }))
  await new Promise((resolve) => setImmediate(resolve))
  assert.equal(slow.searches(), 2, 'two run, three wait')
  await assert.rejects(
    events.listJson({ query: 'ещё одно', page: 1, pageSize: 20 }),
    (error: AppError) => error.code === 'SEARCH_BUSY',
  )
  assert.ok(events.costsASearch({ query: 'другое', page: 1, pageSize: 20 }))
  assert.ok(!events.costsASearch({ page: 1, pageSize: 20 }), 'listing active events costs no search')
  slow.release()
  await Promise.all(accepted)
  assert.equal(slow.searches(), 5)
  assert.ok(!events.costsASearch({ query: 'слово0', page: 1, pageSize: 20 }), 'a cached answer costs nothing')
  await events.listJson({ query: 'ещё одно', page: 1, pageSize: 20 })
})

test('a listing is in the cache only once it was loaded, with the very bytes listJson answered', async () => {
  const repository = {
    async listActive() {
      return [{ id: 7, title: 'Концерт' }]
    },
  } as unknown as EventRepository
  const events = createEventService({ events: repository })
  const input = { page: 1, pageSize: 20 }
  assert.equal(events.cachedJson(input), undefined)
  const body = await events.listJson(input)
  assert.equal(events.cachedJson(input), body)
  assert.equal(events.cachedJson({ page: 2, pageSize: 20 }), undefined, 'another page is another entry')
})
