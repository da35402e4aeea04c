import { ConfigError, loadConfig, parseKeyring, webhookSecretKey, withSecretFiles } from '@kokdala/core'
import { type Static, Type } from 'typebox'
import { cashboxList } from './modules/receipts/module.ts'
import { paymentTypeMap } from './modules/receipts/payment-types.ts'

/** The secrets that may also come from `<NAME>_FILE`; each is required outside development. */
export const FISCAL_SECRETS = [
  'FISCAL_WEBKASSA_API_KEY',
  'FISCAL_WEBKASSA_LOGIN',
  'FISCAL_WEBKASSA_PASSWORD',
  'FISCAL_TOKEN_KEYS',
] as const

export const FiscalConfigSchema = Type.Object({
  /** `production` makes every secret of FISCAL_SECRETS required at start-up (the `production` profile sets it). */
  NODE_ENV: Type.String({ default: 'development' }),
  FISCAL_PORT: Type.Integer({ default: 8082, minimum: 0, maximum: 65535 }),
  FISCAL_HOST: Type.String({ default: '127.0.0.1' }),
  FISCAL_PUBLIC_URL: Type.Optional(Type.String()),
  /** PostgreSQL URL; PGlite is used when absent. */
  DATABASE_URL: Type.Optional(Type.String()),
  FISCAL_DATA_DIR: Type.String({ default: 'data/fiscal' }),
  DB_POOL_SIZE: Type.Integer({ default: 10, minimum: 1 }),
  LOG_LEVEL: Type.String({ default: 'info' }),
  LOG_REQUESTS: Type.Boolean({ default: false }),
  /** When set, /metrics requires `Authorization: Bearer <token>`; without one it answers loopback clients only. */
  METRICS_TOKEN: Type.Optional(Type.String({ minLength: 16 })),
  MAX_REQUESTS_IN_FLIGHT: Type.Integer({ default: 512, minimum: 1 }),
  /** `Authorization: Bearer …` of the admin endpoints (token status and refresh); without it they refuse all. */
  FISCAL_ADMIN_TOKEN: Type.Optional(Type.String({ minLength: 32, maxLength: 200, pattern: '^[A-Za-z0-9._~+/-]+$' })),
  // Webkassa (research/webkassa.md §1.1–1.2).
  /** `https://devkkm.webkassa.kz`, `https://kkm.webkassa.kz`, or the simulator. */
  FISCAL_WEBKASSA_URL: Type.String({ default: 'http://127.0.0.1:9004' }),
  /** Hosts a code-505 answer may send us to (comma-separated host names); none by default. */
  FISCAL_WEBKASSA_FAILOVER_HOSTS: Type.String({ default: '' }),
  /** Longest wait for one Webkassa call (Authorize included). */
  FISCAL_WEBKASSA_TIMEOUT_MS: Type.Integer({ default: 10_000, minimum: 100 }),
  /** The integrator key (`x-api-key`); also FISCAL_WEBKASSA_API_KEY_FILE. Never logged. */
  FISCAL_WEBKASSA_API_KEY: Type.Optional(Type.String({ minLength: 1 })),
  /** The Webkassa user's login and password; also `_FILE`. Never logged. */
  FISCAL_WEBKASSA_LOGIN: Type.Optional(Type.String({ minLength: 1 })),
  FISCAL_WEBKASSA_PASSWORD: Type.Optional(Type.String({ minLength: 1 })),
  // The tokens module.
  /**
   * Keys that encrypt stored session tokens: `version:base64key,…`, 32-byte AES-256-GCM keys. The first encrypts,
   * all decrypt: rotation is adding a new key in front and removing the old one once no row uses it.
   */
  FISCAL_TOKEN_KEYS: Type.Optional(
    Type.String({ pattern: '^[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/=]+(,[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/=]+)*$' }),
  ),
  /** The daily refresh (local time in FISCAL_TIMEZONE, `HH:MM`) and its random delay. */
  FISCAL_TOKEN_REFRESH_AT: Type.String({ default: '05:00', pattern: '^([01]\\d|2[0-3]):[0-5]\\d$' }),
  FISCAL_TOKEN_REFRESH_JITTER_MINUTES: Type.Integer({ default: 30, minimum: 0, maximum: 720 }),
  /** Off: no scheduled refresh in the service (for deployments whose systemd timer runs `kokdala fiscal token refresh`). */
  FISCAL_TOKEN_SCHEDULED_REFRESH: Type.Boolean({ default: true }),
  FISCAL_TIMEZONE: Type.String({ default: 'Asia/Almaty' }),
  /** After Webkassa refuses the login and password (code 1), no login is tried for this long. */
  FISCAL_TOKEN_BLOCK_MINUTES: Type.Integer({ default: 30, minimum: 1 }),
  /** After a login with no answer or another error, calls get that failure for this long before one tries again. */
  FISCAL_TOKEN_RETRY_PAUSE_MS: Type.Integer({ default: 5_000, minimum: 0 }),
  /** A refresh lease not released within this long (its process died) may be taken over. */
  FISCAL_TOKEN_LEASE_MS: Type.Integer({ default: 15_000, minimum: 100 }),
  // The receipts module.
  /** Cashbox unique numbers (ZNK), comma-separated. */
  FISCAL_CASHBOXES: Type.String({ default: '' }),
  /** The `whsec_…` secret payments signs its fiscal feed with; also `_FILE`. */
  FISCAL_PAYMENTS_WEBHOOK_SECRET: Type.Optional(Type.String({ minLength: 1 })),
  FISCAL_VAT_PERCENT: Type.Integer({ default: 16, minimum: 0, maximum: 100 }),
  /** JSON object: payment method → Webkassa PaymentType; default every kaspi_* → 4 (mobile). */
  FISCAL_PAYMENT_TYPES: Type.Optional(Type.String()),
  /** This process's name in the job table and the refresh lease; default host, port and WORKER_INDEX. */
  WORKER_ID: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  WORKER_INDEX: Type.Integer({ default: 0, minimum: 0 }),
})

export type FiscalConfig = Static<typeof FiscalConfigSchema>

/** Whether this deployment is production: every secret is then required at start-up. */
export function isProduction(config: Pick<FiscalConfig, 'NODE_ENV'>): boolean {
  return config.NODE_ENV === 'production'
}

/**
 * Reads the fiscal configuration from the environment (secrets also from `<NAME>_FILE`); throws ConfigError
 * listing every problem, including each secret missing in production.
 */
export function loadFiscalConfig(env: Record<string, string | undefined> = process.env): FiscalConfig {
  const config = loadConfig(
    FiscalConfigSchema,
    withSecretFiles(env, [...FISCAL_SECRETS, 'FISCAL_PAYMENTS_WEBHOOK_SECRET', 'FISCAL_ADMIN_TOKEN']),
  )
  const problems = valueProblems(config)
  if (isProduction(config)) {
    const missing = FISCAL_SECRETS.filter((name) => config[name] === undefined)
    problems.push(...missing.map((name) => `${name}: required in production (or ${name}_FILE)`))
  }
  if (problems.length > 0) throw new ConfigError(problems)
  return config
}

/**
 * What the schema cannot see: values read by the modules at start-up (or worse, per request, as the webhook secret
 * is) checked here, so a bad one is a ConfigError listing every problem before anything opens. The messages name
 * the setting and the fault, never the secret.
 */
function valueProblems(config: FiscalConfig): string[] {
  const checks: Array<[string, () => unknown]> = [
    ['FISCAL_TOKEN_KEYS', () => config.FISCAL_TOKEN_KEYS !== undefined && parseKeyring(config.FISCAL_TOKEN_KEYS)],
    ['FISCAL_PAYMENT_TYPES', () => paymentTypeMap(config.FISCAL_PAYMENT_TYPES)],
    ['FISCAL_CASHBOXES', () => cashboxList(config.FISCAL_CASHBOXES)],
    ['FISCAL_TIMEZONE', () => new Intl.DateTimeFormat('en', { timeZone: config.FISCAL_TIMEZONE })],
    [
      'FISCAL_PAYMENTS_WEBHOOK_SECRET',
      () =>
        config.FISCAL_PAYMENTS_WEBHOOK_SECRET !== undefined && webhookSecretKey(config.FISCAL_PAYMENTS_WEBHOOK_SECRET),
    ],
    [
      'FISCAL_WEBKASSA_URL',
      () => {
        if (!/^https?:$/.test(new URL(config.FISCAL_WEBKASSA_URL).protocol)) throw new RangeError('not http(s)')
      },
    ],
  ]
  const problems: string[] = []
  for (const [name, check] of checks) {
    try {
      check()
    } catch (error) {
      const reason = (error as Error).message.replace(`${name}: `, '').replace(`${name} `, '')
      // The keyring's and the secret's own messages name only a version or a length; the URL's only its kind.
      problems.push(`${name}: ${name === 'FISCAL_WEBKASSA_URL' ? 'not an http(s) URL' : reason}`)
    }
  }
  return problems
}

/** The base URL the service is reached at. */
export function fiscalPublicUrl(config: FiscalConfig): string {
  return config.FISCAL_PUBLIC_URL ?? `http://${config.FISCAL_HOST}:${config.FISCAL_PORT}`
}
