// `kokdala fiscal token status|refresh`: the Webkassa session token through the fiscal service's admin API.
import type { AdminTarget, Json, Options } from './admin-http.ts'
import { callFiscal, fiscalAdminTarget } from './fiscal-admin-client.ts'

export const FISCAL_TOKEN_HELP = `  kokdala fiscal token status                    the Webkassa token: age, generation, fingerprint, errors, block (never the token)
  kokdala fiscal token refresh                   log in to Webkassa again now (single-flight with every fiscal process)
`

function age(seconds: number | null): string {
  if (seconds === null) return '-'
  const hours = Math.floor(seconds / 3600)
  const minutes = Math.floor((seconds % 3600) / 60)
  return hours > 0 ? `${hours} h ${minutes} min` : `${minutes} min ${seconds % 60} s`
}

/** The status as lines a person reads. */
export function printStatus(status: Json, out: NodeJS.WritableStream): void {
  const lines = [
    `account        ${status.account}${status.configured ? '' : '  (credentials not configured)'}`,
    status.has_token
      ? `token          generation ${status.generation}, fingerprint ${status.fingerprint}, key ${status.key_version}`
      : 'token          none yet (obtained on first use)',
    `obtained       ${status.obtained_at ?? '-'} (${age(status.age_seconds)} ago) by ${status.last_refresh_reason ?? '-'}`,
    `refreshing     ${status.refreshing ? 'yes, a process holds the lease' : 'no'}`,
    `last error     ${status.last_error ? `code ${status.last_error.code ?? '-'} ${status.last_error.text} at ${status.last_error.at}` : 'none'}`,
    `blocked        ${status.blocked ? `yes, until ${status.blocked_until} (Webkassa refused the login)` : 'no'}`,
    `next schedule  ${status.next_scheduled_refresh_at ?? 'off in the service'}`,
  ]
  out.write(`${lines.join('\n')}\n`)
  if (status.history.length > 0) {
    out.write('history (newest first):\n')
    for (const row of status.history) {
      out.write(
        `  #${row.generation} ${row.fingerprint} ${row.reason.padEnd(9)} created ${row.created_at}  last used ${row.last_used_at ?? 'never'}  replaced ${row.replaced_at ?? '-'}\n`,
      )
    }
  }
}

/** `kokdala fiscal token …` over the admin API. */
export async function fiscalToken(
  args: string[],
  _options: Options,
  target: AdminTarget = fiscalAdminTarget(),
  out: NodeJS.WritableStream = process.stdout,
): Promise<void> {
  switch (args[0]) {
    case 'status':
      return printStatus(await callFiscal(target, 'GET', '/api/token/status'), out)
    case 'refresh': {
      const answer = await callFiscal(target, 'POST', '/api/token/refresh')
      out.write(`refreshed: generation ${answer.status.generation}, fingerprint ${answer.status.fingerprint}\n`)
      return
    }
    default:
      throw new Error(`usage:\n${FISCAL_TOKEN_HELP}`)
  }
}
