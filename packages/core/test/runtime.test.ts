import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import Fastify from 'fastify'
import { bindRuntime, createRuntime } from '../src/runtime.ts'
import { eventually } from '../src/testing/index.ts'

function recordingLog() {
  const lines: string[] = []
  return {
    lines,
    info: (_: object, message: string) => lines.push(`info ${message}`),
    warn: (_: object, message: string) => lines.push(`warn ${message}`),
  }
}

test('a runtime runs nothing until started, then its start tasks, loops and periodic tasks', async () => {
  const runtime = createRuntime(recordingLog())
  const calls: string[] = []
  runtime.atStart('load places', async () => calls.push('load'))
  runtime.loop('worker', { start: () => calls.push('worker start'), stop: () => calls.push('worker stop') })
  runtime.every('sweep', 10, async () => calls.push('sweep'))
  await sleep(30)
  assert.deepEqual(calls, [])
  assert.equal(runtime.running, false)

  await runtime.start()
  assert.equal(runtime.running, true)
  // Timers are late on a busy machine: wait for the rounds rather than for a fixed time.
  await eventually(async () => calls.filter((c) => c === 'sweep').length >= 2, 5_000, 'two sweeps')
  await runtime.stop()
  assert.equal(calls[0], 'load')
  assert.equal(calls[1], 'worker start')
  assert.equal(calls.at(-1), 'worker stop')

  const rounds = calls.length
  await sleep(30)
  assert.equal(calls.length, rounds, 'nothing runs after stop')
})

test('stop stops loops and closes in reverse order, once, however often it is called', async () => {
  const runtime = createRuntime(recordingLog())
  const order: string[] = []
  runtime.loop('first loop', { start() {}, stop: () => order.push('stop first loop') })
  runtime.loop('second loop', { start() {}, stop: () => order.push('stop second loop') })
  runtime.closeWith({ close: () => order.push('close outbound') })
  runtime.closeWith({ close: () => order.push('close database') })
  await runtime.start()
  await Promise.all([runtime.stop(), runtime.stop()])
  await runtime.stop()
  assert.deepEqual(order, ['stop second loop', 'stop first loop', 'close database', 'close outbound'])
  await runtime.start()
  assert.equal(runtime.running, false, 'a stopped runtime does not start again')
})

test('a failing periodic task is logged and runs again; a slow one never overlaps itself', async () => {
  const log = recordingLog()
  const runtime = createRuntime(log)
  let failing = 0
  runtime.every('cleanup', 5, async () => {
    failing++
    throw new Error('database busy')
  })
  let running = 0
  let overlapped = false
  let slowRounds = 0
  runtime.every('slow sweep', 5, async () => {
    running++
    if (running > 1) overlapped = true
    await sleep(25)
    slowRounds++
    running--
  })
  await runtime.start()
  // The failing task keeps its schedule and the slow one keeps running, however late the timers are.
  await eventually(async () => failing >= 3 && slowRounds >= 2, 5_000, 'three failed and two slow rounds')
  await runtime.stop()
  assert.ok(log.lines.includes('warn cleanup failed'))
  assert.equal(overlapped, false)
})

test('a failing start task or loop start is logged and does not stop the others', async () => {
  const log = recordingLog()
  const runtime = createRuntime(log)
  const started: string[] = []
  runtime.atStart('load places', async () => {
    throw new Error('provider down')
  })
  runtime.loop('worker', {
    start: async () => {
      throw new Error('could not reclaim')
    },
    stop() {},
  })
  runtime.loop('other worker', { start: async () => started.push('other') && 2, stop() {} })
  await runtime.start()
  await sleep(5)
  await runtime.stop()
  assert.deepEqual(started, ['other'])
  assert.ok(log.lines.includes('warn load places failed'))
  assert.ok(log.lines.includes('warn worker could not start cleanly'))
  assert.ok(log.lines.includes('info other worker resumed'), log.lines.join('\n'))
})

test('an interval that is not positive is refused when declared', () => {
  const runtime = createRuntime(recordingLog())
  assert.throws(() => runtime.every('sweep', 0, async () => {}), RangeError)
  assert.throws(() => runtime.every('sweep', Number.NaN, async () => {}), RangeError)
})

test('bound to an app, the runtime starts when the app is ready and stops when it closes', async () => {
  for (const background of [true, false]) {
    const app = Fastify()
    const runtime = createRuntime(recordingLog())
    const calls: string[] = []
    runtime.loop('worker', { start: () => calls.push('start'), stop: () => calls.push('stop') })
    runtime.closeWith({ close: () => calls.push('close') })
    bindRuntime(app, runtime, { background })
    await app.ready()
    assert.equal(runtime.running, background)
    await app.close()
    assert.deepEqual(calls, background ? ['start', 'stop', 'close'] : ['stop', 'close'])
  }
})
