import { type Clock, createHttpTarget, type Database, type HttpTarget } from '@kokdala/core'
import type { Registry } from 'prom-client'
import type { TicketsConfig } from '../../config.ts'
import type { SeatClaims } from '../seats/claims.ts'
import type { SeatService } from '../seats/service.ts'
import { createProviderClient } from './client.ts'
import { createPlaceLoader, createPlaceSync, PROVIDER_EVENT_ID, registerPlaceSyncMetrics } from './places.ts'
import { createProviderSaga } from './saga.ts'

export interface ProviderModuleDeps {
  config: TicketsConfig
  db: Database
  clock: Clock
  seats: SeatService
  claims: SeatClaims
  breaker: { failureThreshold: number; resetTimeoutMs: number }
  log: { info(object: object, message: string): void; warn(object: object, message: string): void }
}

/**
 * The Event Provider leg, present when EVENT_PROVIDER_URL is set: its HTTP target, the booking sagas' provider
 * steps, and event 1's places, loaded at start-up and after every reset and retried while the provider is down.
 */
export function createProviderModule(deps: ProviderModuleDeps) {
  const { config, db, clock, claims } = deps
  if (!config.EVENT_PROVIDER_URL) return undefined
  const http: HttpTarget = createHttpTarget({
    name: 'event-provider',
    baseUrl: config.EVENT_PROVIDER_URL,
    timeoutMs: config.EVENT_PROVIDER_TIMEOUT_MS,
    breaker: deps.breaker,
  })
  const client = createProviderClient(http)
  const places = createPlaceLoader({
    db,
    client,
    claims,
    ensureHall: () => deps.seats.ensureHall(PROVIDER_EVENT_ID),
  })
  const sync = createPlaceSync({ loader: places, log: deps.log })
  let loaded: Promise<unknown> = Promise.resolve()

  return {
    http,
    client,
    saga: createProviderSaga({ db, client, clock, claims }),
    places,
    sync,
    /** Whether the event's seats live at the Event Provider. */
    backs: (eventId: number) => eventId === PROVIDER_EVENT_ID,
    /** The booking's seats with their provider place ids, for the saga's submit. */
    bookingPlaces: (bookingId: number) => claims.placesOfBooking(bookingId),
    registerMetrics: (registry: Registry) => registerPlaceSyncMetrics(registry, sync),
    /** Starts loading the places; the service serves meanwhile (sagas wait for the place ids). */
    start(): void {
      loaded = sync.reload()
    },
    /** Resolves once the load `start` began has finished. */
    loaded: () => loaded,
    stop(): void {
      sync.stop()
    },
  }
}

export type ProviderModule = NonNullable<ReturnType<typeof createProviderModule>>
