import { buildEventProviderApp, type EventProviderOptions } from '../src/app.ts'

export const START = Date.UTC(2025, 7, 15, 12, 0, 0)
export const LAG = 30

/** A 3 × 10 hall with a movable clock: `time.now += LAG` lets the projections catch up without sleeping. */
export function startProvider(overrides: EventProviderOptions = {}) {
  const time = { now: START }
  const app = buildEventProviderApp({
    places: { rows: 3, seatsPerRow: 10 },
    projectionLagMs: LAG,
    clock: () => time.now,
    random: () => 0.25,
    ...overrides,
  })
  return { app, time }
}

export type TestApp = ReturnType<typeof startProvider>['app']

export async function createOrder(app: TestApp): Promise<string> {
  const response = await app.inject({ method: 'POST', url: '/api/partners/v1/orders' })
  if (response.statusCode !== 201) throw new Error(`create order answered ${response.statusCode}`)
  return response.json().order_id
}

export async function listPlaces(app: TestApp, query = 'page=1&pageSize=1000') {
  const response = await app.inject({ method: 'GET', url: `/api/partners/v1/places?${query}` })
  return response.json() as { id: string; row: number; seat: number; is_free: boolean }[]
}

export function select(app: TestApp, placeId: string, orderId: string) {
  return app.inject({
    method: 'PATCH',
    url: `/api/partners/v1/places/${placeId}/select`,
    payload: { order_id: orderId },
  })
}

export function release(app: TestApp, placeId: string) {
  return app.inject({ method: 'PATCH', url: `/api/partners/v1/places/${placeId}/release` })
}

export function orderAction(app: TestApp, orderId: string, action: 'submit' | 'confirm' | 'cancel') {
  return app.inject({ method: 'PATCH', url: `/api/partners/v1/orders/${orderId}/${action}` })
}

export async function getOrder(app: TestApp, orderId: string) {
  return app.inject({ method: 'GET', url: `/api/partners/v1/orders/${orderId}` })
}

export async function getPlace(app: TestApp, placeId: string) {
  return app.inject({ method: 'GET', url: `/api/partners/v1/places/${placeId}` })
}
