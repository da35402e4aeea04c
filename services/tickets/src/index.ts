export { buildTicketsApp, openTicketsDatabase, type TicketsApp, ticketsMigrations } from './app.ts'
export { loadTicketsConfig, type TicketsConfig, ticketsProfiles } from './config.ts'
export { createProviderClient } from './modules/provider/client.ts'
export { type ReconciliationReport, reconcileWithProvider } from './modules/provider/reconcile.ts'
