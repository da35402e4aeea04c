import { loadPaymentsConfig, paymentsPublicUrl } from '@kokdala/payments'

/**
 * The payments service's admin API over HTTP, as every `kokdala payments …` command reaches it (the service may hold
 * its PGlite data folder, so the CLI never opens the database itself). The service is found at PAYMENTS_URL
 * (default: its configured public URL) with PAYMENTS_ADMIN_TOKEN.
 */
export interface AdminTarget {
  url: string
  token: string
  fetch?: typeof fetch
}

export type Options = Record<string, string | true>

/** The admin API the environment points at; a missing token is said plainly. */
export function adminTarget(env: Record<string, string | undefined> = process.env): AdminTarget {
  const config = loadPaymentsConfig(env)
  const token = config.PAYMENTS_ADMIN_TOKEN
  if (!token) throw new Error('set PAYMENTS_ADMIN_TOKEN to the payments service’s admin token')
  return { url: env.PAYMENTS_URL ?? paymentsPublicUrl(config), token }
}

// biome-ignore lint/suspicious/noExplicitAny: JSON read field by field for printing
export type Json = any

/** Calls the admin API; an answer other than the seed's success envelope is an Error with its code and message. */
export async function call(target: AdminTarget, method: string, path: string, body?: unknown): Promise<Json> {
  const response = await (target.fetch ?? fetch)(`${target.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${target.token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await response.text()
  let json: Json
  try {
    json = JSON.parse(text)
  } catch {
    throw new Error(`${method} ${path}: HTTP ${response.status} ${text.slice(0, 200)}`)
  }
  if (!response.ok || json.success !== true) {
    const details = json.details ? ` ${JSON.stringify(json.details)}` : ''
    throw new Error(`${json.code ?? response.status}: ${json.message ?? text.slice(0, 200)}${details}`)
  }
  return json.data
}

/** A `--from`/`--to` style option as an ISO time; absent stays undefined, anything not a date is said plainly. */
export function dateOption(options: Options, name: string): string | undefined {
  const value = options[name]
  if (value === undefined) return undefined
  if (value === true) throw new Error(`--${name} needs a date`)
  const parsed = new Date(value)
  if (Number.isNaN(parsed.getTime())) throw new Error(`--${name} is not a date: ${value}`)
  return parsed.toISOString()
}
