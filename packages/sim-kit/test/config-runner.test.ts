import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { ConfigError, loadConfig } from '@kokdala/core'
import Fastify from 'fastify'
import { Type } from 'typebox'
import { controlRoutesEnabled, listenSettings, runSimulator, SimControlSettings } from '../src/index.ts'

const Config = Type.Object({ ...listenSettings('DEMO_SIM', 9100), ...SimControlSettings })

test('listen settings: defaults, conversion and every problem listed at once through core loadConfig', () => {
  assert.deepEqual(loadConfig(Config, {}), { DEMO_SIM_PORT: 9100, DEMO_SIM_HOST: '127.0.0.1' })
  assert.equal(loadConfig(Config, { DEMO_SIM_PORT: '9200' }).DEMO_SIM_PORT, 9200)
  assert.throws(
    () => loadConfig(Config, { DEMO_SIM_PORT: '70000', SIM_CONTROL: 'maybe' }),
    (error: unknown) =>
      error instanceof ConfigError &&
      error.problems.some((problem) => problem.startsWith('DEMO_SIM_PORT')) &&
      error.problems.some((problem) => problem.startsWith('SIM_CONTROL')),
  )
})

test('/__sim control routes: on by default, off in production unless SIM_CONTROL=on says otherwise', () => {
  const enabled = (env: Record<string, string>) => controlRoutesEnabled(loadConfig(Config, env))
  assert.equal(enabled({}), true)
  assert.equal(enabled({ NODE_ENV: 'development' }), true)
  assert.equal(enabled({ NODE_ENV: 'production' }), false)
  assert.equal(enabled({ NODE_ENV: 'production', SIM_CONTROL: 'on' }), true)
  assert.equal(enabled({ SIM_CONTROL: 'off' }), false)
})

test('runSimulator builds, listens and reports the URL clients use', async () => {
  const running = await runSimulator({
    name: 'demo',
    host: '127.0.0.1',
    port: 0,
    build: () => Fastify().get('/ping', async () => 'pong'),
  })
  try {
    assert.match(running.url, /^http:\/\/127\.0\.0\.1:\d+$/)
    assert.equal(await (await fetch(`${running.url}/ping`)).text(), 'pong')
  } finally {
    await running.close()
  }
})

test('runStandalone prints where it listens and exits cleanly on SIGTERM, ending a held request', async () => {
  const script = fileURLToPath(new URL('./standalone-fixture.ts', import.meta.url))
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] })
  let output = ''
  child.stdout.setEncoding('utf8')
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: string) => {
      output += chunk
      const match = /listening on (http:\/\/\S+) \(fixture\)/.exec(output)
      if (match) resolve(match[1])
    })
    child.once('exit', () => reject(new Error(`exited early: ${output}`)))
  })
  const held = fetch(`${url}/slow`, { method: 'POST' }).catch((error: unknown) => error)
  await new Promise((resolve) => setTimeout(resolve, 100))
  child.kill('SIGTERM')
  const [code] = await once(child, 'exit')
  assert.equal(code, 0)
  assert.ok((await held) instanceof TypeError, 'the held call ended with the process')
})
