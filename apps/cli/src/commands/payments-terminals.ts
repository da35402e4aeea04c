// `kokdala payments terminals add|list|disable|enable` and `kokdala payments reconcile [--list]`.
import {
  type AdminCommand,
  type AdminTarget,
  adminTarget,
  call,
  dateOption,
  type Json,
  type Options,
  printRows,
  queryString,
} from './payments-admin-client.ts'

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
  kokdala payments reconcile [--from ISO] [--to ISO]   terminals' transactions vs captured and refunded payments; exit 1 on any mismatch
  kokdala payments reconcile --list [--limit N]      the daily runs (PAYMENTS_RECONCILE_AT), newest first; exit 1 unless the newest is clean
`

/** `kokdala payments terminals …`. */
export const terminals: AdminCommand = async (args, options, target = adminTarget(), out = process.stdout) => {
  const [action, id] = args
  switch (action) {
    case 'list': {
      printRows(out, await call(target, 'GET', '/api/admin/terminals'), terminalLine, 'no terminals')
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
  unknown_refund: 'refunded on the terminal, no refund of ours',
  missing_refund: 'refunded here, no refund on the terminal',
  refund_amount_differs: 'refund amounts differ',
}

function amountOf(m: Json): string {
  if (m.kind === 'amount_differs') return `terminal ${m.terminal_amount} ₸, captured ${m.captured_amount} ₸`
  if (m.kind === 'refund_amount_differs') return `terminal ${m.terminal_amount} ₸, refunded ${m.refunded_amount} ₸`
  return `${m.amount} ₸`
}

function limitOption(options: Options): number {
  const raw = options.limit
  if (raw === undefined) return 14
  const limit = Number(raw)
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 366) throw new Error('--limit is a number of days, 1–366')
  return limit
}

function runLine(run: Json): string {
  const counts =
    run.status === 'done' ? `${run.mismatches} mismatches, ${run.unreadable} unreadable` : (run.error ?? '')
  return `${run.day}\t${run.status}\t${counts}\t${run.from} – ${run.to}\n`
}

/** `kokdala payments reconcile --list`: the stored daily runs; exit code 1 unless the newest one is clean. */
async function listRuns(options: Options, target: AdminTarget, out: NodeJS.WritableStream): Promise<Json[]> {
  const runs: Json[] = await call(target, 'GET', `/api/admin/terminals/reconciliations?limit=${limitOption(options)}`)
  printRows(out, runs, runLine, 'no daily reconciliation has run yet')
  const newest = runs[0]
  if (newest && (newest.status !== 'done' || newest.mismatches > 0 || newest.unreadable > 0)) process.exitCode = 1
  return runs
}

/** `kokdala payments reconcile`: prints every mismatch; exit code 1 when there is any (or a terminal was unreadable). */
export async function reconcilePayments(
  options: Options,
  target: AdminTarget = adminTarget(),
  out: NodeJS.WritableStream = process.stdout,
): Promise<Json> {
  if (options.list === true) return listRuns(options, target, out)
  const query = queryString({ from: dateOption(options, 'from'), to: dateOption(options, 'to') })
  const report = await call(target, 'GET', `/api/admin/terminals/reconcile${query}`)
  out.write(
    `reconciling ${report.from} – ${report.to}: ${report.terminals} terminals, ${report.transactions} transactions, ` +
      `${report.captures} captured attempts, ${report.refunds} refunds\n`,
  )
  for (const u of report.unreadable) out.write(`  terminal ${u.terminal_id}: history unreadable: ${u.error}\n`)
  for (const m of report.mismatches) {
    const what = MISMATCH_WORDS[m.kind] ?? m.kind
    const where = [
      m.terminal_id === null ? undefined : `terminal ${m.terminal_id}`,
      m.transaction_id === undefined ? undefined : `transaction ${m.transaction_id}`,
      m.attempt_id === undefined ? undefined : `attempt ${m.attempt_id}`,
      m.refund_id === undefined ? undefined : `refund ${m.refund_id} (${m.refund_reference ?? 'no terminal answer'})`,
    ]
      .filter(Boolean)
      .join(', ')
    out.write(`  ${m.kind}: ${what} — ${where}: ${amountOf(m)}\n`)
  }
  const problems = report.mismatches.length + report.unreadable.length
  out.write(problems === 0 ? '0 mismatches\n' : `${report.mismatches.length} mismatches\n`)
  if (problems > 0) process.exitCode = 1
  return report
}
