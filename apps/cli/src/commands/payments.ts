import type { Database } from '@kokdala/core'
import { createSources, loadPaymentsConfig, openPaymentsDatabase } from '@kokdala/payments'

const USAGE = `kokdala payments token create --source NAME   a new X-API-Token for the source (made on first use), shown once
kokdala payments token list                    sources and their tokens (prefixes only)
kokdala payments token rotate --source NAME    a new token, then the source's older tokens revoked
kokdala payments token revoke --source NAME    revoke every token of the source
`

/**
 * `kokdala payments token …`: the payment center's API sources on its database (DATABASE_URL, or the PGlite data
 * dir while the service is stopped). A token's secret is printed once: only its hash is stored.
 */
export async function payments(
  args: string[],
  options: Record<string, string | true>,
  out: NodeJS.WritableStream = process.stdout,
  openDb: () => Promise<Database> = () => openPaymentsDatabase(loadPaymentsConfig()),
): Promise<void> {
  const [group, action] = args
  const source = typeof options.source === 'string' ? options.source : undefined
  if (group !== 'token' || !['create', 'list', 'rotate', 'revoke'].includes(action ?? '')) {
    out.write(USAGE)
    process.exitCode = 2
    return
  }
  if (action !== 'list' && !source) throw new Error(`payments token ${action} needs --source NAME`)
  const db = await openDb()
  try {
    const { sources } = createSources(db)
    if (action === 'create' || action === 'rotate') {
      const issued = action === 'create' ? await sources.createToken(source!) : await sources.rotate(source!)
      out.write(`source ${issued.source.name}: token ${issued.apiToken.id}\n${issued.token}\n`)
      out.write('Keep it now: it is shown once and stored only as a hash.\n')
      if ('revoked' in issued) out.write(`${issued.revoked} older token(s) revoked\n`)
    } else if (action === 'revoke') {
      out.write(`source ${source}: ${await sources.revoke(source!)} token(s) revoked\n`)
    } else {
      for (const s of await sources.list()) {
        out.write(`${s.name} (id ${s.id}, since ${s.createdAt.toISOString()})\n`)
        for (const token of s.tokens) {
          const state = token.active ? 'active' : 'revoked'
          const used = token.lastUsedAt?.toISOString() ?? 'never'
          out.write(`  ${token.id}  ${token.displayPrefix}…  ${state}  last used ${used}\n`)
        }
      }
    }
  } finally {
    await db.close()
  }
}
