import assert from 'node:assert/strict'
import { test } from 'node:test'
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
