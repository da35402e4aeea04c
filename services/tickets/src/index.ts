export { buildTicketsApp, openTicketsDatabase, type TicketsApp, ticketsMigrations } from './app.ts'
export { loadTicketsConfig, type TicketsConfig } from './config.ts'
