import { loadPaymentsConfig, paymentsPublicUrl } from '@kokdala/payments'
import { type AdminTarget, adminRequest, type Json, type Options } from './admin-http.ts'

export type { AdminTarget, Json, Options } from './admin-http.ts'

/**
 * The payments service's admin API, as every `kokdala payments …` command reaches it: at PAYMENTS_URL (default:
 * its configured public URL) with PAYMENTS_ADMIN_TOKEN. This is the admin API the environment points at; a
 * missing token is said plainly.
 */
export function adminTarget(env: Record<string, string | undefined> = process.env): AdminTarget {
  const config = loadPaymentsConfig(env)
  const token = config.PAYMENTS_ADMIN_TOKEN
  if (!token) throw new Error('set PAYMENTS_ADMIN_TOKEN to the payments service’s admin token')
  return { url: env.PAYMENTS_URL ?? paymentsPublicUrl(config), token }
}

/**
 * A `kokdala payments <noun> <action>` command: the arguments after the noun, the options, and (for tests) the
 * admin API to call and where to print.
 */
export type AdminCommand = (
  args: string[],
  options: Options,
  target?: AdminTarget,
  out?: NodeJS.WritableStream,
) => Promise<void>

/** Calls the admin API; an answer other than the seed's success envelope is an Error with its code and message. */
export async function call(target: AdminTarget, method: string, path: string, body?: unknown): Promise<Json> {
  const { ok, status, json, text } = await adminRequest(target, method, path, body)
  if (!ok || json.success !== true) {
    const details = json.details ? ` ${JSON.stringify(json.details)}` : ''
    throw new Error(`${json.code ?? status}: ${json.message ?? text.slice(0, 200)}${details}`)
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

/** `?name=value&…` of the fields that are set, or '' when none is: what a list path takes after it. */
export function queryString(fields: Record<string, string | undefined>): string {
  const query = new URLSearchParams()
  for (const [name, value] of Object.entries(fields)) if (value !== undefined) query.set(name, value)
  return query.size ? `?${query}` : ''
}

/** Writes one `line` per row (each ends its own line), or `empty` on a line of its own when there is no row. */
export function printRows(out: NodeJS.WritableStream, rows: Json[], line: (row: Json) => string, empty: string): void {
  out.write(rows.length === 0 ? `${empty}\n` : rows.map(line).join(''))
}
