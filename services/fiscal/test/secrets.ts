/**
 * The fake secrets every token test uses, in one place so the log test can search the captured output for each.
 * Tokens the fake issues all start with `tokenMarker`.
 */
export const SECRETS = {
  login: 'cashier.SECRET.login@example.kz',
  password: 'pw-SECRET-9f3a1c77',
  apiKey: 'apikey-SECRET-51d0e2',
  tokenMarker: 'wkTOKENx',
} as const

export const TOKEN_KEYS = {
  k1: `k1:${Buffer.alloc(32, 1).toString('base64')}`,
  k2: `k2:${Buffer.alloc(32, 2).toString('base64')}`,
}

/** The configuration of a deployment with Webkassa credentials. */
export const CONFIGURED_ENV = {
  FISCAL_WEBKASSA_LOGIN: SECRETS.login,
  FISCAL_WEBKASSA_PASSWORD: SECRETS.password,
  FISCAL_WEBKASSA_API_KEY: SECRETS.apiKey,
  FISCAL_TOKEN_KEYS: TOKEN_KEYS.k1,
} as const
