import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { test } from 'node:test'
import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import { createApp } from '../src/http.ts'
import { lazyRequestLogger } from '../src/request-logger.ts'

/** A stand-in for pino's logger: counts the children made and records the lines written at or above `warn`. */
function fakeLogger() {
  const order = ['trace', 'debug', 'info', 'warn', 'error', 'fatal']
  const lines: { level: string; bindings: object; args: unknown[] }[] = []
  let children = 0
  const make = (bindings: object): FastifyBaseLogger => {
    const logger: Record<string, unknown> = {
      level: 'warn',
      isLevelEnabled: (level: string) => order.indexOf(level) >= order.indexOf('warn'),
      child: (more: object) => {
        children++
        return make({ ...bindings, ...more })
      },
      silent: () => {},
    }
    for (const level of order) {
      logger[level] = (...args: unknown[]) => {
        if (order.indexOf(level) >= order.indexOf('warn')) lines.push({ level, bindings, args })
      }
    }
    return logger as unknown as FastifyBaseLogger
  }
  return { root: make({}), lines, children: () => children }
}

const factory = lazyRequestLogger as (
  this: unknown,
  logger: FastifyBaseLogger,
  bindings: object,
  options: object,
  request: unknown,
) => FastifyBaseLogger

test('a request that logs nothing at an enabled level costs no child logger', () => {
  const { root, lines, children } = fakeLogger()
  const log = factory.call(undefined, root, { reqId: 'req-1' }, {}, undefined)
  log.info('below the level')
  log.debug({ detail: 1 }, 'below the level')
  assert.equal(children(), 0)
  assert.equal(lines.length, 0)
  assert.equal(log.level, 'warn')
})

test('the first line at an enabled level makes the child once, with the request id', () => {
  const { root, lines, children } = fakeLogger()
  const log = factory.call(undefined, root, { reqId: 'req-2' }, {}, undefined)
  log.error({ code: 'X' }, 'failed')
  log.warn('again')
  assert.equal(children(), 1)
  assert.deepEqual(lines, [
    { level: 'error', bindings: { reqId: 'req-2' }, args: [{ code: 'X' }, 'failed'] },
    { level: 'warn', bindings: { reqId: 'req-2' }, args: ['again'] },
  ])
  log.child({ part: 'db' }).warn('from a grandchild')
  assert.deepEqual(lines[2].bindings, { reqId: 'req-2', part: 'db' })
})

test("a route with a log level of its own gets pino's child at once", () => {
  const { root, children } = fakeLogger()
  factory.call(undefined, root, { reqId: 'req-3' }, { level: 'debug' }, undefined)
  assert.equal(children(), 1)
})

test('createApp: lines a request writes carry its request id; a quiet request writes none', async () => {
  const written: Record<string, unknown>[] = []
  const stream = new Writable({
    write(chunk, _encoding, done) {
      written.push(JSON.parse(chunk.toString()))
      done()
    },
  })
  const app = (await createApp({
    service: 'demo',
    version: '0.0.0',
    fastify: { logger: { level: 'warn', stream } },
  })) as unknown as FastifyInstance
  app.get('/quiet', async (request) => {
    request.log.info('not at the level')
    return { ok: true }
  })
  app.get('/crash', async () => {
    throw new Error('boom')
  })
  app.get('/warns', async (request) => {
    request.log.child({ part: 'cache' }).warn('cache is cold')
    return { ok: true }
  })

  await app.inject({ method: 'GET', url: '/quiet', headers: { 'x-request-id': 'quiet-1' } })
  assert.equal(written.length, 0)
  await app.inject({ method: 'GET', url: '/crash', headers: { 'x-request-id': 'crash-1' } })
  await app.inject({ method: 'GET', url: '/warns', headers: { 'x-request-id': 'warns-1' } })
  const failed = written.find((line) => line.msg === 'request failed')
  assert.equal(failed?.reqId, 'crash-1')
  assert.equal((failed?.err as { message?: string })?.message, 'boom')
  const warned = written.find((line) => line.msg === 'cache is cold')
  assert.equal(warned?.reqId, 'warns-1')
  assert.equal(warned?.part, 'cache')
  await app.close()
})
