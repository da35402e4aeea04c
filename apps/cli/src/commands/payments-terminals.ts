// `kokdala payments terminals add|list|disable|enable` and `kokdala payments reconcile`.
import { type AdminTarget, adminTarget, call, dateOption, type Json, type Options } from './payments-admin-client.ts'

export type { AdminTarget } from './payments-admin-client.ts'

function required(options: Options, name: string): string {
  const value = options[name]
  if (typeof value !== 'string' || value === '') throw new Error(`--${name} is required`)
  return value
}

function terminalId(raw: string | undefined): number {
  const id = Number(raw)
  if (!Number.isSafeInteger(id) || id < 1) throw new Error(`a terminal id is a positive integer, got ${raw}`)
  return id
}

function terminalLine(t: Json): string {
  const lease = t.busy ? `busy (attempt ${t.lease_attempt_id} until ${t.lease_expires_at})` : 'free'
  const seen = t.last_seen_at ? ` seen ${t.last_seen_at}` : ''
  const error = t.last_error ? ` last error: ${t.last_error}` : ''
  return `${t.id}\t${t.name}\t${t.enabled ? 'enabled' : 'disabled'}\t${t.state}\t${lease}\t${t.base_url}\tcamera ${t.camera_id}${seen}${error}\n`
}

export const TERMINALS_HELP = `  kokdala payments terminals list
  kokdala payments terminals add --name NAME --url BASE_URL --token ACCESS_TOKEN --camera CAMERA_ID [--disabled]
  kokdala payments terminals disable|enable ID
  kokdala payments reconcile [--from ISO] [--to ISO]   terminals' transactions vs captured payments; exit 1 on any mismatch
`

/** `kokdala payments terminals …`. */
export async function terminals(
  args: string[],
  options: Options,
  target: AdminTarget = adminTarget(),
  out: NodeJS.WritableStream = process.stdout,
): Promise<void> {
  const [action, id] = args
  switch (action) {
    case 'list': {
      const list: Json[] = await call(target, 'GET', '/api/admin/terminals')
      out.write(list.length === 0 ? 'no terminals\n' : list.map(terminalLine).join(''))
      return
    }
    case 'add': {
      const terminal = await call(target, 'POST', '/api/admin/terminals', {
        name: required(options, 'name'),
        base_url: required(options, 'url'),
        access_token: required(options, 'token'),
        camera_id: required(options, 'camera'),
        enabled: options.disabled !== true,
      })
      out.write(`added ${terminalLine(terminal)}`)
      return
    }
    case 'disable':
    case 'enable': {
      const terminal = await call(target, 'POST', `/api/admin/terminals/${terminalId(id)}/${action}`)
      out.write(`${action}d ${terminalLine(terminal)}`)
      return
    }
    default:
      throw new Error(`usage:\n${TERMINALS_HELP}`)
  }
}

const MISMATCH_WORDS: Record<string, string> = {
  missing_capture: 'paid on the terminal, not captured here',
  unknown_transaction: 'paid on the terminal, no attempt of ours',
  missing_transaction: 'captured here, no transaction on the terminal',
  amount_differs: 'amounts differ',
}

/** `kokdala payments reconcile`: prints every mismatch; exit code 1 when there is any (or a terminal was unreadable). */
export async function reconcilePayments(
  options: Options,
  target: AdminTarget = adminTarget(),
  out: NodeJS.WritableStream = process.stdout,
): Promise<Json> {
  const query = new URLSearchParams()
  for (const name of ['from', 'to']) {
    const value = dateOption(options, name)
    if (value !== undefined) query.set(name, value)
  }
  const report = await call(target, 'GET', `/api/admin/terminals/reconcile${query.size ? `?${query}` : ''}`)
  out.write(
    `reconciling ${report.from} – ${report.to}: ${report.terminals} terminals, ${report.transactions} transactions, ` +
      `${report.captures} captured attempts\n`,
  )
  for (const u of report.unreadable) out.write(`  terminal ${u.terminal_id}: history unreadable: ${u.error}\n`)
  for (const m of report.mismatches) {
    const what = MISMATCH_WORDS[m.kind] ?? m.kind
    const where = [
      m.terminal_id === null ? undefined : `terminal ${m.terminal_id}`,
      m.transaction_id === undefined ? undefined : `transaction ${m.transaction_id}`,
      m.attempt_id === undefined ? undefined : `attempt ${m.attempt_id}`,
    ]
      .filter(Boolean)
      .join(', ')
    const amount =
      m.kind === 'amount_differs' ? `terminal ${m.terminal_amount} ₸, captured ${m.captured_amount} ₸` : `${m.amount} ₸`
    out.write(`  ${m.kind}: ${what} — ${where}: ${amount}\n`)
  }
  const problems = report.mismatches.length + report.unreadable.length
  out.write(problems === 0 ? '0 mismatches\n' : `${report.mismatches.length} mismatches\n`)
  if (problems > 0) process.exitCode = 1
  return report
}
