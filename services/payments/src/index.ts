export { buildPaymentsApp, openPaymentsDatabase, type PaymentsApp, paymentsMigrations } from './app.ts'
export { loadPaymentsConfig, type PaymentsConfig, paymentsPublicUrl } from './config.ts'
export { paymentsService } from './service.ts'
