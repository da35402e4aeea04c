import assert from 'node:assert/strict'
import { test } from 'node:test'
import Fastify from 'fastify'
import type { Database } from '../src/db.ts'
import { bindRuntime, createRuntime } from '../src/runtime.ts'
import { defineService, startService } from '../src/service.ts'
import { freePort } from '../src/testing/index.ts'

/** A descriptor whose database is a stub that records being closed, and whose app answers /hello. */
function fakeDatabase(events: string[], name = 'database'): Database {
  return { kind: 'pglite', close: async () => events.push(`${name} closed`) } as unknown as Database
}

function fakeService(events: string[], { seeded = false, expectedDb = fakeDatabase(events) } = {}) {
  const db = expectedDb
  return defineService<{ PORT: number }>({
    name: 'fake',
    role: 'service',
    loadConfig: (env = {}) => ({ PORT: Number(env.FAKE_PORT) }),
    address: (config) => ({ host: '127.0.0.1', port: config.PORT, url: `http://127.0.0.1:${config.PORT}` }),
    portVariable: 'FAKE_PORT',
    openDatabase: async () => {
      events.push('database opened')
      return db
    },
    seed: {
      isSeeded: async () => seeded,
      demo: async () => {
        events.push('demo seeded')
        return 'seeded 3 things'
      },
      full: async () => 'seeded everything',
    },
    async build(context) {
      assert.equal(context.db, db)
      const app = Fastify()
      app.get('/hello', async () => ({ hello: 'world' }))
      const runtime = createRuntime({ info() {}, warn() {} })
      runtime.loop('worker', { start: () => events.push('worker started'), stop: () => events.push('worker stopped') })
      bindRuntime(app, runtime)
      return { app, runtime, warmUp: async () => void events.push('warmed up') }
    },
    describe: (config) => [`fake on ${config.PORT}`],
  })
}

test('startService opens, seeds an empty database, builds, listens, warms up; close undoes it in order', async () => {
  const port = await freePort()
  const events: string[] = []
  const seededLines: string[] = []
  const service = await startService(fakeService(events), {
    env: { FAKE_PORT: String(port) },
    seedDemo: true,
    onSeeded: (line) => seededLines.push(line),
  })
  assert.equal(service.url, `http://127.0.0.1:${port}`)
  assert.deepEqual(await (await fetch(`${service.url}/hello`)).json(), { hello: 'world' })
  await service.close()
  assert.deepEqual(events, [
    'database opened',
    'demo seeded',
    'worker started',
    'warmed up',
    'worker stopped',
    'database closed',
  ])
  assert.deepEqual(seededLines, ['seeded 3 things'])
  await assert.rejects(fetch(`${service.url}/hello`), 'nothing listens after close')
})

test('startService leaves seeded data alone and a given database open', async () => {
  const port = await freePort()
  const events: string[] = []
  const given = fakeDatabase(events, 'given database')
  const service = await startService(fakeService(events, { seeded: true, expectedDb: given }), {
    env: { FAKE_PORT: String(port) },
    seedDemo: true,
    db: given,
  })
  await service.close()
  assert.deepEqual(events, ['worker started', 'warmed up', 'worker stopped'], 'not opened, seeded or closed')
})

test('a failed start stops what it started and closes the database it opened', async () => {
  const port = await freePort()
  const blocker = Fastify()
  await blocker.listen({ port, host: '127.0.0.1' })
  const events: string[] = []
  try {
    await assert.rejects(startService(fakeService(events), { env: { FAKE_PORT: String(port) } }), /EADDRINUSE/)
    assert.deepEqual(events, ['database opened', 'worker started', 'worker stopped', 'database closed'])
  } finally {
    await blocker.close()
  }
})

test('startService uses a configuration the caller loaded already instead of reading the environment again', async () => {
  const port = await freePort()
  const events: string[] = []
  // The environment names no port: only the given configuration can make it listen where asked.
  const service = await startService(fakeService(events), { env: {}, config: { PORT: port } })
  try {
    assert.equal(service.url, `http://127.0.0.1:${port}`)
    assert.deepEqual(await (await fetch(`${service.url}/hello`)).json(), { hello: 'world' })
  } finally {
    await service.close()
  }
})
