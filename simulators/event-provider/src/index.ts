export {
  buildEventProviderApp,
  type EventProviderApp,
  type EventProviderOptions,
  type EventProviderSimulator,
} from './app.ts'
export { EventProviderConfig, eventProviderFromEnv, eventProviderSimulator } from './env.ts'
export { type Outcome, type ProviderErrorCode, STATUS_BY_CODE } from './errors.ts'
export { parseUuid, seededPlaceId, uuidV5 } from './ids.ts'
export { eventProviderService } from './service.ts'
export type { HallSize, OrderStatus, OrderView, PlaceView, ProviderState } from './state.ts'
