import { simOperation } from '@kokdala/sim-kit'
import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import { type Outcome, STATUS_BY_CODE } from './errors.ts'
import { OrderCreated, OrderSchema, PlaceCreated, PlacePage, PlaceSchema } from './schemas.ts'
import type { ProviderState } from './state.ts'

const DEFAULT_PAGE_SIZE = 20
const MAX_PAGE_SIZE = 1000
const JAVA_INT = /^[+-]?\d{1,10}$/

interface IdParams {
  id: string
}

/** Answers the way the provider does: the success body, or the failure's status code with no body at all. */
function answer<T>(reply: FastifyReply, outcome: Outcome<T>, status: number) {
  if (!outcome.ok) return reply.code(STATUS_BY_CODE[outcome.code]).send()
  return reply.code(status).send(outcome.value)
}

/** Java's `Integer.parseInt` on a query parameter: absent → the default, anything unparsable → `undefined` (500). */
function parseIntParam(raw: unknown, fallback: number): number | undefined {
  const value = Array.isArray(raw) ? raw[0] : raw
  if (value === undefined) return fallback
  if (typeof value !== 'string' || !JAVA_INT.test(value)) return undefined
  const parsed = Number(value)
  return Math.abs(parsed) <= 2 ** 31 - 1 ? parsed : undefined
}

/** The partner API (`/api/partners/v1`) and the admin place creation, as the real provider exposes them. */
export const providerRoutes: FastifyPluginAsync<{ state: ProviderState }> = async (app, { state }) => {
  app.post(
    '/api/partners/v1/orders',
    { config: simOperation('createOrder'), schema: { response: { 201: OrderCreated } } },
    async (_request, reply) => answer(reply, state.createOrder(), 201),
  )

  app.get<{ Params: IdParams }>(
    '/api/partners/v1/orders/:id',
    { config: simOperation('getOrder'), schema: { response: { 200: OrderSchema } } },
    async (request, reply) => answer(reply, state.getOrder(request.params.id), 200),
  )

  app.patch<{ Params: IdParams }>(
    '/api/partners/v1/orders/:id/submit',
    { config: simOperation('submitOrder') },
    async (request, reply) => answer(reply, state.submitOrder(request.params.id), 200),
  )

  app.patch<{ Params: IdParams }>(
    '/api/partners/v1/orders/:id/confirm',
    { config: simOperation('confirmOrder') },
    async (request, reply) => answer(reply, state.confirmOrder(request.params.id), 200),
  )

  app.patch<{ Params: IdParams }>(
    '/api/partners/v1/orders/:id/cancel',
    { config: simOperation('cancelOrder') },
    async (request, reply) => answer(reply, state.cancelOrder(request.params.id), 200),
  )

  app.get<{ Querystring: { page?: unknown; pageSize?: unknown } }>(
    '/api/partners/v1/places',
    { config: simOperation('listPlaces'), schema: { response: { 200: PlacePage } } },
    async (request, reply) => {
      const page = parseIntParam(request.query.page, 1)
      const pageSize = parseIntParam(request.query.pageSize, DEFAULT_PAGE_SIZE)
      if (page === undefined || pageSize === undefined) return reply.code(500).send()
      // The provider never rejects a page size: it clamps silently, so a client asking for 5000 gets 1000.
      const size = Math.min(Math.max(pageSize, 1), MAX_PAGE_SIZE)
      return reply.code(200).send(state.listPlaces(Math.max(page, 1), size))
    },
  )

  app.get<{ Params: IdParams }>(
    '/api/partners/v1/places/:id',
    { config: simOperation('getPlace'), schema: { response: { 200: PlaceSchema } } },
    async (request, reply) => answer(reply, state.getPlace(request.params.id), 200),
  )

  app.patch<{ Params: IdParams }>(
    '/api/partners/v1/places/:id/select',
    { config: simOperation('selectPlace') },
    async (request, reply) => answer(reply, state.selectPlace(request.params.id, request.body), 204),
  )

  app.patch<{ Params: IdParams }>(
    '/api/partners/v1/places/:id/release',
    { config: simOperation('releasePlace') },
    async (request, reply) => answer(reply, state.releasePlace(request.params.id), 204),
  )

  app.post(
    '/api/admin/v1/places',
    { config: simOperation('createPlace'), schema: { response: { 202: PlaceCreated } } },
    async (request, reply) => answer(reply, state.createPlace(request.body), 202),
  )
}
