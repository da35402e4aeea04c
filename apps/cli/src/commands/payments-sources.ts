// `kokdala payments token create|list|rotate|revoke`: the payment center's API sources and their X-API-Tokens.
import { type AdminCommand, adminTarget, call, type Json, type Options } from './payments-admin-client.ts'

export const TOKENS_HELP = `  kokdala payments token create --source NAME   a new X-API-Token for the source (made on first use), shown once
  kokdala payments token list                    sources and their tokens (prefixes only)
  kokdala payments token rotate --source NAME    a new token, then the source's older tokens revoked
  kokdala payments token revoke --source NAME    revoke every token of the source
`

function source(options: Options, action: string): string {
  const value = options.source
  if (typeof value !== 'string' || value === '') throw new Error(`payments token ${action} needs --source NAME`)
  return value
}

/** `kokdala payments token …` over the admin API; a token's secret is printed once (the service keeps its hash). */
export const tokens: AdminCommand = async (args, options, target = adminTarget(), out = process.stdout) => {
  const [action] = args
  const printIssued = (data: Json) => {
    out.write(`source ${data.source}: token ${data.token_id}\n${data.token}\n`)
    out.write('Keep it now: it is shown once and stored only as a hash.\n')
  }
  switch (action) {
    case 'create':
      return printIssued(await call(target, 'POST', '/api/admin/sources/tokens', { source: source(options, action) }))
    case 'rotate': {
      const name = encodeURIComponent(source(options, action))
      const data = await call(target, 'POST', `/api/admin/sources/${name}/rotate`)
      printIssued(data)
      out.write(`${data.revoked} older token(s) revoked\n`)
      return
    }
    case 'revoke': {
      const name = encodeURIComponent(source(options, action))
      const data = await call(target, 'POST', `/api/admin/sources/${name}/revoke`)
      out.write(`source ${data.source}: ${data.revoked} token(s) revoked\n`)
      return
    }
    case 'list':
      for (const s of await call(target, 'GET', '/api/admin/sources')) {
        out.write(`${s.name} (id ${s.id}, since ${s.created_at})\n`)
        for (const t of s.tokens) {
          out.write(
            `  ${t.id}  ${t.display_prefix}…  ${t.active ? 'active' : 'revoked'}  last used ${t.last_used_at ?? 'never'}\n`,
          )
        }
      }
      return
    default:
      throw new Error(`usage:\n${TOKENS_HELP}`)
  }
}
