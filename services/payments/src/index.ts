export { buildPaymentsApp, openPaymentsDatabase, type PaymentsApp, paymentsMigrations } from './app.ts'
export { loadPaymentsConfig, type PaymentsConfig, paymentsPublicUrl } from './config.ts'
export { createSources, seedDemoSource } from './modules/sources/module.ts'
export { paymentsService } from './service.ts'
