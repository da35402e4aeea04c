import { html, Layout, type Markup, type MessagesOf, ModuleScript, type Page } from '@kokdala/web-kit'
import type { CashboxSnapshot, ReceiptSnapshot, StatusSnapshot, TokenSnapshot } from './api.ts'
import { STATUS_SCRIPT } from './script.ts'
import type { statusText } from './text.ts'

export type StatusPage = Page<MessagesOf<typeof statusText>>

/** What a rendering needs besides the data: the page, the moment it describes, and the deployment's time zone. */
export interface ViewContext {
  page: StatusPage
  now: Date
  timeZone: string
}

/** How often the page asks again (the script reads it from the markup). */
export const REFRESH_MS = 5_000
/** A shift this old is shown as nearly at Webkassa's 24 h limit (the module closes it at 23 h 50 min). */
const SHIFT_WARN_MINUTES = 23 * 60
const SHIFT_LIMIT_MINUTES = 24 * 60
/** A lost answer or a lookup without one: the receipt's reason when Webkassa did not answer at all. */
const NO_ANSWER = /^(answer lost \(|lookup )(timeout|network|http_status|malformed)/

const CSS = `
body{display:block;padding:1.5rem 1rem}
main{max-width:76rem;margin:0 auto;padding:1.25rem 1.75rem 1.75rem}
header.top{display:flex;justify-content:space-between;align-items:flex-end;gap:1rem;flex-wrap:wrap;border-bottom:1px solid #e3e5e8;padding-bottom:.75rem;margin-bottom:1rem}
header.top h1{margin:0;font-size:1.45rem}
header.top p{margin:.15rem 0 0;color:#666}
h2{font-size:1.05rem;margin:1.5rem 0 .6rem}
.summary{display:grid;grid-template-columns:repeat(auto-fit,minmax(10rem,1fr));gap:.75rem}
.tile{border:1px solid #e3e5e8;border-radius:10px;padding:.7rem .9rem}
.tile .label{color:#666;font-size:.8rem;text-transform:uppercase;letter-spacing:.03em}
.tile .value{font-size:1.5rem;font-weight:700;margin-top:.15rem}
.tile.warn{border-color:#f0c36d;background:#fffaf0}
.tile.bad{border-color:#f3a6b1;background:#fff5f6}
table{width:100%;border-collapse:collapse;font-size:.93rem}
th{text-align:left;color:#666;font-weight:600;font-size:.8rem;text-transform:uppercase;letter-spacing:.03em;border-bottom:1px solid #e3e5e8;padding:.4rem .5rem}
td{border-bottom:1px solid #f0f1f3;padding:.55rem .5rem;vertical-align:top}
td .sub{display:block;color:#666;font-size:.82rem;margin-top:.15rem}
.mono{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:.88rem}
.badge{display:inline-block;padding:.1rem .55rem;border-radius:999px;font-size:.82rem;font-weight:600;margin:0 .25rem .2rem 0;white-space:nowrap}
.badge.ok{color:#1a5e2a;background:#e6f4ea}
.badge.warn{color:#8a5a00;background:#fff0cc}
.badge.bad{color:#b00020;background:#fde7ea}
.badge.info{color:#174ea6;background:#e8f0fe}
.badge.mute{color:#555;background:#eceef1}
.token dl{grid-template-columns:minmax(9rem,auto) 1fr;margin:0}
.token dd{font-weight:500}
.reason{overflow-wrap:anywhere}
.login{max-width:26rem}
.login form{margin-top:.5rem}
.login button{margin-top:.8rem}
.toolbar{display:flex;gap:.75rem;align-items:center}
button.link{background:none;color:#174ea6;padding:0;font-size:.9rem;text-decoration:underline}
button.retry{padding:.25rem .8rem;font-size:.9rem;margin-right:.6rem}
button.retry:disabled{opacity:.5;cursor:wait}
td.actions{white-space:nowrap}
a{color:#174ea6}
.empty{color:#666}
[hidden]{display:none!important}
@media (max-width:720px){main{padding:1rem}table{font-size:.85rem}th:nth-child(5),td:nth-child(5){display:none}}
`

/** "13.01.2026, 15:30" in the deployment's time zone; nothing for a value that is not a time. */
export function showTime(iso: string | null, ctx: ViewContext): string {
  if (!iso) return '—'
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return '—'
  return new Intl.DateTimeFormat(ctx.page.lang === 'ru' ? 'ru-RU' : 'en-GB', {
    timeZone: ctx.timeZone,
    dateStyle: 'short',
    timeStyle: 'medium',
  }).format(date)
}

/** A duration as people say it: seconds under a minute, minutes under an hour, hours and minutes, days and hours. */
export function showDuration(ms: number, ctx: ViewContext): string {
  const t = ctx.page.t
  const seconds = Math.max(0, Math.floor(ms / 1000))
  if (seconds < 60) return t.seconds(seconds)
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return t.minutes(minutes)
  const hours = Math.floor(minutes / 60)
  if (hours < 48) return t.hoursMinutes(hours, minutes % 60)
  return t.daysHours(Math.floor(hours / 24), hours % 24)
}

/** The API's "1234.50" as people read it: "1 234,50 ₸" in Russian, "1,234.50 ₸" in English. */
export function showTenge(amount: string, ctx: ViewContext): string {
  const m = /^(-?)(\d+)\.(\d{2})$/.exec(amount)
  if (!m) return `${amount}\u00a0₸`
  const [group, decimal] = ctx.page.lang === 'ru' ? ['\u00a0', ','] : [',', '.']
  return `${m[1]}${m[2].replace(/\B(?=(\d{3})+(?!\d))/g, group)}${decimal}${m[3]}\u00a0₸`
}

const since = (iso: string | null, ctx: ViewContext) => (iso ? ctx.now.getTime() - new Date(iso).getTime() : 0)

/** When Webkassa last failed to answer on this cashbox's queue (a receipt being looked up after a lost answer). */
export function unreachableSince(cashbox: string, recovering: readonly ReceiptSnapshot[]): string | null {
  const silent = recovering.filter((r) => r.cashbox === cashbox && r.lastError !== null && NO_ANSWER.test(r.lastError))
  const starts = silent.flatMap((r) =>
    r.attempts.filter((a) => a.error && NO_ANSWER.test(a.error)).map((a) => a.startedAt),
  )
  if (silent.length === 0) return null
  return starts.sort()[0] ?? silent[0].createdAt
}

function CashboxRow({ box, snapshot, ctx }: { box: CashboxSnapshot; snapshot: StatusSnapshot; ctx: ViewContext }) {
  const { t } = ctx.page
  const unreachable = unreachableSince(box.znk, snapshot.recovering)
  const states: Markup[] = []
  if (box.parked) {
    const reason = box.parked.code !== null ? `${t.stateParked} (${box.parked.code})` : t.stateParked
    states.push(html`<span class="badge bad" data-state="parked">${reason}</span>
      <span class="sub reason" data-parked-reason>${box.parked.reason ?? ''} · ${t.parkedSince(showTime(box.parked.since, ctx))}</span>`)
  }
  if (unreachable) {
    states.push(html`<span class="badge bad" data-state="unreachable">${t.stateUnreachable}</span>
      <span class="sub">${t.unreachableHint(showTime(unreachable, ctx))}</span>`)
  }
  if (box.lastReceiptOffline) {
    states.push(html`<span class="badge warn" data-state="ofd-offline">${t.stateOfd}</span>
      <span class="sub">${t.ofdHint}</span>`)
  }
  if (states.length === 0) states.push(html`<span class="badge ok" data-state="ok">${t.stateOk}</span>`)

  const shiftMinutes = box.shift?.ageMinutes ?? 0
  const shiftKind = shiftMinutes >= SHIFT_LIMIT_MINUTES ? 'bad' : shiftMinutes >= SHIFT_WARN_MINUTES ? 'warn' : 'mute'
  return html`<tr data-cashbox=${box.znk}>
    <td class="mono">${box.znk}</td>
    <td>${states}</td>
    <td data-queue=${box.queued}>
      ${box.queued === 0 ? html`<span class="empty">${t.queueEmpty}</span>` : t.queueDepth(box.queued)}
      ${box.oldestQueuedAt ? html`<span class="sub">${t.oldestWaiting(showDuration(since(box.oldestQueuedAt, ctx), ctx))}</span>` : null}
    </td>
    <td data-shift-age=${box.shift ? box.shift.ageMinutes : ''}>
      ${
        box.shift
          ? html`${t.shiftNumber(box.shift.number)}
            <span class="sub">${t.shiftAge(showDuration(box.shift.ageMinutes * 60_000, ctx))}</span>
            ${shiftKind !== 'mute' ? html`<span class=${`badge ${shiftKind}`} data-shift-warning>${shiftKind === 'bad' ? t.shiftOver : t.shiftNear}</span>` : null}`
          : html`<span class="empty">${t.shiftNone}</span>`
      }
    </td>
    <td>${box.needsAttention > 0 ? html`<span class="badge bad">${box.needsAttention}</span>` : html`<span class="empty">0</span>`}</td>
  </tr>`
}

function tokenState(token: TokenSnapshot): 'ok' | 'missing' | 'blocked' {
  if (token.blocked) return 'blocked'
  return token.hasToken ? 'ok' : 'missing'
}

function TokenSection({ token, ctx }: { token: TokenSnapshot; ctx: ViewContext }): Markup {
  const { t } = ctx.page
  const error = token.lastError
  return html`<section class="token" id="token" aria-labelledby="token-heading">
    <h2 id="token-heading">${t.token}</h2>
    ${!token.configured ? html`<p class="notice">${t.tokenNotConfigured}</p>` : null}
    ${token.blocked ? html`<p class="error" data-token-blocked>${t.tokenBlocked(showTime(token.blockedUntil, ctx))}</p>` : null}
    ${token.configured && !token.hasToken && !token.blocked ? html`<p class="notice">${t.tokenNever}</p>` : null}
    <dl>
      <dt>${t.tokenAge}</dt>
      <dd data-token-age>${token.ageSeconds === null ? '—' : showDuration(token.ageSeconds * 1000, ctx)}
        ${token.refreshing ? html` <span class="badge info">${t.tokenRefreshing}</span>` : null}</dd>
      <dt>${t.tokenGeneration}</dt><dd data-token-generation>${token.generation}</dd>
      <dt>${t.tokenFingerprint}</dt><dd class="mono" data-token-fingerprint>${token.fingerprint ?? '—'}</dd>
      <dt>${t.tokenObtained}</dt><dd>${showTime(token.obtainedAt, ctx)}</dd>
      <dt>${t.tokenReason}</dt>
      <dd>${token.lastRefreshReason ? t.reasons(token.lastRefreshReason) : '—'}</dd>
      <dt>${t.tokenNext}</dt>
      <dd>${token.nextScheduledRefreshAt ? showTime(token.nextScheduledRefreshAt, ctx) : t.tokenNextOff}</dd>
      <dt>${t.tokenLastError}</dt>
      <dd class="reason" data-token-error>
        ${error ? html`<span class="badge bad">${error.code === null ? '—' : error.code}</span>${error.text} · ${showTime(error.at, ctx)}` : t.tokenNoError}
      </dd>
    </dl>
  </section>`
}

function receiptHref(id: number, ctx: ViewContext): string {
  return `/status/receipts/${id}?lang=${ctx.page.lang}`
}

function AttentionSection({ receipts, ctx }: { receipts: ReceiptSnapshot[]; ctx: ViewContext }): Markup {
  const { t } = ctx.page
  return html`<section id="attention" aria-labelledby="attention-heading">
    <h2 id="attention-heading">${t.attention}</h2>
    ${
      receipts.length === 0
        ? html`<p class="empty">${t.attentionNone}</p>`
        : html`<table>
            <thead><tr><th>${t.colReceipt}</th><th>${t.colStatus}</th><th>${t.colCashbox}</th><th>${t.colTotal}</th><th>${t.colPayment}</th><th>${t.colReason}</th><th></th></tr></thead>
            <tbody>${receipts.map(
              (r) => html`<tr data-receipt=${r.id}>
                <td>№${r.id}<span class="sub">${t.kinds(r.kind)} · ${showTime(r.createdAt, ctx)}</span></td>
                <td><span class=${`badge ${r.status === 'failed' ? 'bad' : 'warn'}`}>${t.statuses(r.status)}</span></td>
                <td class="mono">${r.cashbox}</td>
                <td>${showTenge(r.total, ctx)}</td>
                <td class="mono">${r.payment ?? '—'}</td>
                <td class="reason">${r.lastErrorCode !== null ? html`<span class="badge mute">${r.lastErrorCode}</span>` : null}${r.lastError ?? '—'}</td>
                <td class="actions"><button type="button" class="retry" data-retry=${r.id} aria-label=${t.retryLabel(r.id)}>${t.retry}</button><a href=${receiptHref(r.id, ctx)}>${t.details}</a></td>
              </tr>`,
            )}</tbody>
          </table>`
    }
  </section>`
}

/** The live part of the status page: summary, cashboxes, the token, receipts that need a person. */
export function StatusPanel({ snapshot, ctx }: { snapshot: StatusSnapshot; ctx: ViewContext }): Markup {
  const { t } = ctx.page
  const queued = snapshot.cashboxes.reduce((sum, box) => sum + box.queued, 0)
  const state = tokenState(snapshot.token)
  const tokenWord = state === 'ok' ? t.tokenOk : state === 'blocked' ? t.tokenBlockedShort : t.tokenMissing
  return html`<p class="hint" id="updated">${t.updated(showTime(ctx.now.toISOString(), ctx))}</p>
    <section class="summary">
      <div class="tile"><div class="label">${t.summaryCashboxes}</div><div class="value">${snapshot.cashboxes.length}</div></div>
      <div class="tile"><div class="label">${t.summaryQueued}</div><div class="value" id="queued-total">${queued}</div></div>
      <div class=${`tile ${snapshot.attention.length > 0 ? 'bad' : ''}`}><div class="label">${t.summaryAttention}</div><div class="value" id="attention-total">${snapshot.attention.length}</div></div>
      <div class=${`tile ${state === 'ok' ? '' : 'bad'}`}><div class="label">${t.summaryToken}</div><div class="value" id="token-state">${tokenWord}</div></div>
    </section>
    <section id="cashboxes" aria-labelledby="cashboxes-heading">
      <h2 id="cashboxes-heading">${t.cashboxes}</h2>
      ${
        snapshot.cashboxes.length === 0
          ? html`<p class="notice">${t.noCashboxes}</p>`
          : html`<table>
              <thead><tr><th>${t.colCashbox}</th><th>${t.colState}</th><th>${t.colQueue}</th><th>${t.colShift}</th><th>${t.colAttention}</th></tr></thead>
              <tbody>${snapshot.cashboxes.map((box) => html`<${CashboxRow} box=${box} snapshot=${snapshot} ctx=${ctx} />`)}</tbody>
            </table>`
      }
    </section>
    <${TokenSection} token=${snapshot.token} ctx=${ctx} />
    <${AttentionSection} receipts=${snapshot.attention} ctx=${ctx} />`
}

/** One receipt in full: its state, fiscal data, last error, every attempt. */
export function ReceiptPanel({ receipt, ctx }: { receipt: ReceiptSnapshot; ctx: ViewContext }): Markup {
  const { t } = ctx.page
  const kind = receipt.status === 'fiscalized' ? 'ok' : receipt.status === 'failed' ? 'bad' : 'warn'
  const ticket =
    receipt.fiscal?.ticketUrl && /^https?:\/\//.test(receipt.fiscal.ticketUrl) ? receipt.fiscal.ticketUrl : null
  return html`<p class="hint" id="updated">${t.updated(showTime(ctx.now.toISOString(), ctx))}</p>
    <h2>${t.receiptTitle(receipt.id)} <span class=${`badge ${kind}`} id="receipt-status">${t.statuses(receipt.status)}</span></h2>
    <dl>
      <dt>${t.externalNumber}</dt><dd class="mono">${receipt.externalNumber}</dd>
      <dt>${t.kind}</dt><dd>${t.kinds(receipt.kind)}</dd>
      <dt>${t.source}</dt><dd>${t.sources(receipt.source)}</dd>
      <dt>${t.colPayment}</dt><dd class="mono">${receipt.payment ?? '—'}</dd>
      <dt>${t.cashbox}</dt><dd class="mono">${receipt.cashbox}</dd>
      <dt>${t.colTotal}</dt><dd>${showTenge(receipt.total, ctx)}</dd>
      <dt>${t.commission}</dt><dd>${showTenge(receipt.commission, ctx)}</dd>
      ${receipt.originalReceiptId !== null ? html`<dt>${t.originalReceipt}</dt><dd><a href=${receiptHref(receipt.originalReceiptId, ctx)}>№${receipt.originalReceiptId}</a></dd>` : null}
      <dt>${t.created}</dt><dd>${showTime(receipt.createdAt, ctx)}</dd>
      ${
        receipt.fiscal
          ? html`<dt>${t.fiscalNumber}</dt><dd class="mono">${receipt.fiscal.checkNumber}${receipt.fiscal.offline ? html` <span class="badge warn">${t.fiscalOffline}</span>` : null}</dd>
            <dt>${t.fiscalShift}</dt><dd>${receipt.fiscal.shiftNumber ?? '—'}</dd>
            <dt>${t.fiscalizedAt}</dt><dd>${showTime(receipt.fiscalizedAt, ctx)}</dd>
            ${ticket ? html`<dt>${t.ticket}</dt><dd><a href=${ticket} rel="noopener noreferrer">${ticket}</a></dd>` : null}`
          : null
      }
      <dt>${t.lastError}</dt>
      <dd class="reason" id="receipt-error">${receipt.lastErrorCode !== null ? html`<span class="badge mute">${receipt.lastErrorCode}</span>` : null}${receipt.lastError ?? '—'}</dd>
    </dl>
    <h2>${t.attempts}</h2>
    ${
      receipt.attempts.length === 0
        ? html`<p class="empty">${t.noAttempts}</p>`
        : html`<table>
            <thead><tr><th>${t.colAttempt}</th><th>${t.colStarted}</th><th>${t.colFinished}</th><th>${t.colOutcome}</th><th>${t.colError}</th></tr></thead>
            <tbody>${receipt.attempts.map(
              (a) =>
                html`<tr><td>${a.attempt}</td><td>${showTime(a.startedAt, ctx)}</td><td>${showTime(a.finishedAt, ctx)}</td><td>${a.outcome ?? '—'}</td><td class="reason">${a.error ?? '—'}</td></tr>`,
            )}</tbody>
          </table>`
    }`
}

/** A message in place of the panel (the admin API off, a receipt not found, a read that failed). */
export function PanelMessage({ kind, text }: { kind: 'notice' | 'error'; text: string }): Markup {
  return html`<p class=${kind} id="panel-message">${text}</p>`
}

/**
 * The page shell: sign-in form and an empty panel. It carries no data: the script fills the panel from
 * `panelUrl` with the operator's token, so the shell can be served to anyone.
 */
export function StatusShell({
  page,
  panelUrl,
  title,
  back,
}: {
  page: StatusPage
  panelUrl: string
  title: string
  back?: string
}): Markup {
  const { t } = page
  return html`<${Layout} page=${page} title=${title} css=${CSS}>
    <div id="fiscal-status" data-panel=${panelUrl} data-every=${REFRESH_MS} data-text-refused=${t.refused} data-text-empty=${t.empty} data-text-retry-failed=${t.retryFailed}>
      <header class="top">
        <div>
          ${back ? html`<a href=${back}>${t.back}</a>` : null}
          <h1>${t.heading}</h1>
          <p>${t.subheading}</p>
        </div>
        <div class="toolbar"><button type="button" class="link" id="sign-out" hidden>${t.signOut}</button></div>
      </header>
      <noscript><p class="notice">${t.noScript}</p></noscript>
      <section class="login" id="login" hidden>
        <h2>${t.loginHeading}</h2>
        <form id="login-form" autocomplete="off">
          <label for="admin-token">${t.tokenLabel}</label>
          <input id="admin-token" name="token" type="password" autocomplete="off" spellcheck="false" required />
          <p id="login-error" class="error" role="alert" hidden></p>
          <button type="submit">${t.signIn}</button>
        </form>
        <p class="hint">${t.loginHint}</p>
      </section>
      <p id="offline" class="notice" role="status" hidden>${t.offline}</p>
      <p id="action-error" class="error" role="alert" hidden></p>
      <div id="panel" aria-live="polite"></div>
    </div>
    <${ModuleScript} page=${page} code=${STATUS_SCRIPT} />
  <//>`
}
