// Run by config-runner.test.ts as its own process: a one-route simulator whose route is held by a timeout fault.
import Fastify from 'fastify'
import { createSimKit, runStandalone, simOperation } from '../src/index.ts'

await runStandalone({
  name: 'fixture simulator',
  host: '127.0.0.1',
  port: 0,
  build() {
    const kit = createSimKit()
    const app = Fastify()
    kit.install(app)
    app.post('/slow', { config: simOperation('slow') }, async () => 'never')
    kit.operations.set('slow', { timeout: true })
    return app
  },
  describe: () => '(fixture)',
})
