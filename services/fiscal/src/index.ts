export { buildFiscalApp, type FiscalApp, fiscalMigrations, openFiscalDatabase } from './app.ts'
export { type FiscalConfig, fiscalPublicUrl, loadFiscalConfig } from './config.ts'
export type { WebkassaSession } from './modules/tokens/service.ts'
export { fiscalService } from './service.ts'
