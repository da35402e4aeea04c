import type { AddressInfo } from 'node:net'
import Fastify from 'fastify'
import { Type } from 'typebox'
import { createSimKit, type SimKitOptions, simOperation } from '../src/index.ts'

/** A gateway-like switch of the test simulator's own, beside the kit's base faults. */
export const EXTRA = { cancelBroken: Type.Boolean({ default: false }) }

/**
 * A two-operation simulator: `POST /pay` (operation `pay`) and `GET /items/:id` (named by method and url). Faults
 * answer `{ injected: status }` so tests can tell them from the routes' own answers.
 */
export async function startSimulator(options: SimKitOptions<typeof EXTRA> = {}) {
  const kit = createSimKit({
    extraFaults: EXTRA,
    errorReply: (reply, status) => reply.code(status).send({ injected: status }),
    health: () => ({ items: 3 }),
    ...options,
  })
  const app = Fastify()
  kit.install(app)
  let paid = 0
  app.post('/pay', { config: simOperation('pay') }, async () => ({ paid: ++paid }))
  app.get<{ Params: { id: string } }>('/items/:id', async (request) => ({ id: request.params.id }))
  await app.ready()
  return { app, kit, paid: () => paid }
}

export type TestSimulator = Awaited<ReturnType<typeof startSimulator>>

/** Listens on a loopback port: drops and held requests need a real socket to be observed. */
export async function listen(app: TestSimulator['app']): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
}
