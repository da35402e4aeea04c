import { defineService } from '@kokdala/core'
import { buildFiscalApp, fiscalMigrations, openFiscalDatabase } from './app.ts'
import { type FiscalConfig, fiscalPublicUrl, loadFiscalConfig } from './config.ts'

/** The demo profile's admin token: public (it is written here), so `kokdala start` prints it; a real one never is. */
const DEMO_ADMIN_TOKEN = 'demo-fiscal-admin-token-0123456789abcdef'

/** The fiscal service as the platform's tools see it (`kokdala start|serve fiscal`). */
export const fiscalService = defineService<FiscalConfig>({
  name: 'fiscal',
  role: 'service',
  loadConfig: loadFiscalConfig,
  address: (config) => ({ host: config.FISCAL_HOST, port: config.FISCAL_PORT, url: fiscalPublicUrl(config) }),
  portVariable: 'FISCAL_PORT',
  migrations: fiscalMigrations,
  openDatabase: openFiscalDatabase,
  profiles: {
    // `kokdala start`: demo values that match the Webkassa simulator's demo account (never real credentials).
    demo: {
      FISCAL_WEBKASSA_API_KEY: 'demo-integrator-key',
      FISCAL_WEBKASSA_LOGIN: 'demo@kokdala.kz',
      FISCAL_WEBKASSA_PASSWORD: 'demo-password',
      FISCAL_TOKEN_KEYS: 'demo:ZGVtby1rZXktZm9yLWtva2RhbGEtZmlzY2FsLTMyYnk=',
      FISCAL_ADMIN_TOKEN: DEMO_ADMIN_TOKEN,
      FISCAL_CASHBOXES: 'SWK00000001,SWK00000002,SWK00000003',
      FISCAL_PAYMENTS_WEBHOOK_SECRET: 'whsec_ZGVtby1maXNjYWwtZmVlZC1zZWNyZXQtMzItYnl0ZXM=',
    },
    // Every secret becomes required at start-up.
    production: { NODE_ENV: 'production' },
  },
  async build({ config, db }) {
    const { app, runtime } = await buildFiscalApp({ config, db })
    return { app, runtime }
  },
  describe(config) {
    const url = fiscalPublicUrl(config)
    // The status page signs in with the admin token: the demo one is printed (it is public), a real one never is.
    const signIn =
      config.FISCAL_ADMIN_TOKEN === DEMO_ADMIN_TOKEN
        ? `admin token ${DEMO_ADMIN_TOKEN}`
        : config.FISCAL_ADMIN_TOKEN
          ? 'sign in with FISCAL_ADMIN_TOKEN'
          : 'set FISCAL_ADMIN_TOKEN to sign in'
    return [
      `${url}/health   docs ${url}/docs   Webkassa ${config.FISCAL_WEBKASSA_URL}`,
      `status page ${url}/status (${signIn})`,
    ]
  },
})
