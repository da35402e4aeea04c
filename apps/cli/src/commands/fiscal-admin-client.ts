import { withSecretFiles } from '@kokdala/core'
import { type AdminTarget, adminRequest, type Json } from './admin-http.ts'

/**
 * The fiscal service's admin API, as every `kokdala fiscal …` command reaches it: at FISCAL_URL (default: its public
 * URL, or FISCAL_HOST:FISCAL_PORT) with FISCAL_ADMIN_TOKEN (or FISCAL_ADMIN_TOKEN_FILE). Only these are read: the
 * CLI on a production host needs no Webkassa secret.
 */
export function fiscalAdminTarget(env: Record<string, string | undefined> = process.env): AdminTarget {
  const token = withSecretFiles(env, ['FISCAL_ADMIN_TOKEN']).FISCAL_ADMIN_TOKEN
  if (!token) throw new Error('set FISCAL_ADMIN_TOKEN (or FISCAL_ADMIN_TOKEN_FILE) to the fiscal service’s admin token')
  const url =
    env.FISCAL_URL ?? env.FISCAL_PUBLIC_URL ?? `http://${env.FISCAL_HOST ?? '127.0.0.1'}:${env.FISCAL_PORT ?? '8082'}`
  return { url, token }
}

/** Calls the fiscal admin API; core's error envelope becomes an Error with its code, message and details. */
export async function callFiscal(target: AdminTarget, method: string, path: string, body?: unknown): Promise<Json> {
  const { ok, status, json, text } = await adminRequest(target, method, path, body)
  if (!ok) {
    const error = json.error ?? {}
    const details = error.details ? ` ${JSON.stringify(error.details)}` : ''
    throw new Error(`${error.code ?? status}: ${error.message ?? text.slice(0, 200)}${details}`)
  }
  return json
}
