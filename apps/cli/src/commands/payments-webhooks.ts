// `kokdala payments webhooks list|resend|stats`: the webhooks' admin API for an operator at a terminal.
import type { AdminCommand, Json, Options } from './payments-admin-client.ts'
import { adminTarget, call, dateOption, printRows, queryString } from './payments-admin-client.ts'

export const WEBHOOKS_HELP = `  kokdala payments webhooks list [--payment TRANSACTION_ID] [--status pending|delivered|dead] [--from ISO] [--to ISO] [--limit N]
  kokdala payments webhooks resend ID                      one message again, same webhook-id
  kokdala payments webhooks resend --from ISO [--to ISO] [--payment TRANSACTION_ID] [--delivered]
                                                           every dead (and with --delivered, delivered) message of a range
  kokdala payments webhooks stats [--from ISO] [--to ISO]  per merchant URL: attempts, success rate, latency, backlog
`

function text(options: Options, name: string): string | undefined {
  const value = options[name]
  if (value === true) throw new Error(`--${name} needs a value`)
  return value
}

function deliveryLine(d: Json): string {
  const attempts = d.attempts
    .map((a: Json) => `    ${a.attempted_at}  ${a.response_status ?? a.error}  ${a.latency_ms} ms\n`)
    .join('')
  return `${d.id}\t${d.webhook_id}\t${d.event}\t${d.subject ?? ''}\t${d.status}\t${d.created_at}\n${attempts}`
}

function statsLine(s: Json): string {
  const rate = s.success_rate === null ? '—' : `${Math.round(s.success_rate * 100)} %`
  return (
    `${s.endpoint_id}\t${s.url}\t${s.attempts} attempts\t${rate} ok\tp95 ${s.latency_ms.p95 ?? '—'} ms\t` +
    `${s.pending} pending\t${s.dead} dead\n`
  )
}

/** `kokdala payments webhooks …`. */
export const webhooks: AdminCommand = async (args, options, target = adminTarget(), out = process.stdout) => {
  const [action, id] = args
  switch (action) {
    case 'list': {
      const query = queryString({
        transaction_id: text(options, 'payment'),
        status: text(options, 'status'),
        limit: text(options, 'limit'),
        from: dateOption(options, 'from'),
        to: dateOption(options, 'to'),
      })
      const list: Json[] = await call(target, 'GET', `/api/admin/webhooks/deliveries${query}`)
      printRows(out, list, deliveryLine, 'no webhook messages')
      return
    }
    case 'resend': {
      if (id !== undefined) {
        if (!/^[1-9]\d{0,15}$/.test(id)) throw new Error(`a message id is a positive integer, got ${id}`)
        await call(target, 'POST', `/api/admin/webhooks/deliveries/${id}/resend`)
        out.write(`message ${id} queued again\n`)
        return
      }
      const from = dateOption(options, 'from')
      if (from === undefined) throw new Error(`resend needs a message id or --from\n${WEBHOOKS_HELP}`)
      const result = await call(target, 'POST', '/api/admin/webhooks/resend', {
        from,
        to: dateOption(options, 'to'),
        transaction_id: text(options, 'payment'),
        include_delivered: options.delivered === true ? true : undefined,
      })
      out.write(
        `${result.resent.length} messages queued again${result.resent.length ? `: ${result.resent.join(', ')}` : ''}\n`,
      )
      return
    }
    case 'stats': {
      const query = queryString({ from: dateOption(options, 'from'), to: dateOption(options, 'to') })
      const stats: Json[] = await call(target, 'GET', `/api/admin/webhooks/stats${query}`)
      printRows(out, stats, statsLine, 'no deliveries in the window')
      return
    }
    default:
      throw new Error(`usage:\n${WEBHOOKS_HELP}`)
  }
}
