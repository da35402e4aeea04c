export { buildFiscalApp, type FiscalApp, fiscalMigrations, openFiscalDatabase } from './app.ts'
export { type FiscalConfig, fiscalPublicUrl, loadFiscalConfig } from './config.ts'
export { fiscalService } from './service.ts'
