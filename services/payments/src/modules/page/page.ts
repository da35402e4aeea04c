import { html, Layout, type Markup, type MessagesOf, ModuleScript, type Page } from '@kokdala/web-kit'
import type { MethodOption, PaymentSnapshot } from './api.ts'
import { chargeFor, showTenge } from './money.ts'
import { PAGE_SCRIPT } from './script.ts'
import { englishMethodNames, type pageText } from './text.ts'

export type PaymentPageView = Page<MessagesOf<typeof pageText>>

/** What is left to pay, in the money of the method chosen last (its rate `fromBp`), as the API states it. */
interface Due {
  remaining: bigint
  fromBp: number
}

/** Statuses in which the customer can start a terminal payment from the page. */
export const PAYABLE: ReadonlySet<string> = new Set(['pending', 'partially_paid', 'failed'])
/** Statuses that change on their own (the terminal, the expiry, the merchant), so the page follows them. */
const LIVE = new Set(['pending', 'processing', 'partially_paid', 'failed'])

const CSS = `
main{max-width:30rem}
.amount-label{color:#666;font-size:.85rem;margin:0}
.amount{font-size:1.6rem;font-weight:700;margin:0 0 1rem}
.desc{overflow-wrap:anywhere;white-space:pre-line}
fieldset{border:0;padding:0;margin:1rem 0}
legend{font-weight:600;margin-bottom:.4rem}
.method{display:grid;grid-template-columns:auto 1fr auto;gap:.1rem .6rem;align-items:center;border:1px solid #ccd;border-radius:10px;padding:.7rem .8rem;margin:.5rem 0;cursor:pointer}
.method:has(input:checked){border-color:#1a7f37;box-shadow:0 0 0 1px #1a7f37;background:#f3faf5}
.method input{width:1.2rem;height:1.2rem;margin:0;grid-row:span 2;accent-color:#1a7f37}
.method .name{font-weight:600}
.method .sum{font-weight:700;text-align:right;white-space:nowrap}
.method .fee{grid-column:2 / span 2;color:#666;font-size:.85rem}
button{width:100%;padding:.8rem;font-size:1.1rem}
button[disabled]{opacity:.6;cursor:wait}
.status{padding:.6rem .8rem;border-radius:8px;margin:.75rem 0;font-weight:600}
.status.ok{color:#1a5e2a;background:#e6f4ea}
.status.warn{color:#8a5a00;background:#fff6e0}
.status.bad{color:#b00020;background:#fde7ea}
.status.wait{color:#174ea6;background:#e8f0fe}
.qr{text-align:center}
.qr img{width:min(70vw,260px);height:auto;image-rendering:pixelated}
.phone{display:block;text-align:center;margin:.75rem 0;padding:.7rem;border:2px solid #1a7f37;border-radius:8px;color:#1a7f37;text-decoration:none;font-weight:600}
[hidden]{display:none}
`

function methodName(method: MethodOption, page: PaymentPageView): string {
  return page.lang === 'en' ? (englishMethodNames[method.code] ?? method.name) : method.name
}

function percent(bp: number, page: PaymentPageView): string {
  const text = String(bp / 100)
  return page.lang === 'ru' ? text.replace('.', ',') : text
}

/** One method to choose: what the customer pays with it, and how much of that is the commission. */
function MethodChoice({
  method,
  due,
  page,
  checked,
}: {
  method: MethodOption
  due: Due
  page: PaymentPageView
  checked: boolean
}): Markup {
  const { t, lang } = page
  const total = chargeFor(due.remaining, due.fromBp, method.commissionBp)
  const net = chargeFor(due.remaining, due.fromBp, 0)
  const fee =
    method.commissionBp > 0 && total > net
      ? t.commission(showTenge(total - net, lang), percent(method.commissionBp, page))
      : t.noCommission
  const months = method.installmentMonths ? ` · ${t.months(method.installmentMonths.split(',').join(', '))}` : ''
  return html`<label class="method" data-method=${method.code}>
    <input type="radio" name="payment_method" value=${method.code} checked=${checked} required />
    <span class="name">${methodName(method, page)}</span>
    <span class="sum">${showTenge(total, lang)}</span>
    <span class="fee">${fee}${months}</span>
  </label>`
}

function MethodForm({
  methods,
  due,
  page,
  action,
  chosen,
  error,
}: {
  methods: MethodOption[]
  due: Due
  page: PaymentPageView
  action: string
  chosen?: string
  /** Why the last attempt to start did not (a form posted without the script); the script fills it otherwise. */
  error?: string
}): Markup {
  const preselected = methods.some((m) => m.code === chosen) ? chosen : methods[0]?.code
  return html`<form id="pay-form" method="post" novalidate>
    <fieldset>
      <legend>${page.t.chooseMethod}</legend>
      ${methods.map(
        (method) =>
          html`<${MethodChoice} method=${method} due=${due} page=${page} checked=${method.code === preselected} />`,
      )}
    </fieldset>
    <p id="pay-error" class="error" role="alert" hidden=${!error}>${error ?? ''}</p>
    <button id="pay" type="submit">${action}</button>
  </form>`
}

/** The Kaspi link for phones, when the API gives one: an http(s) link that is not this page itself. */
function phoneLink(payment: PaymentSnapshot): string | undefined {
  if (!payment.paymentUrl) return undefined
  try {
    const url = new URL(payment.paymentUrl)
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined
    if (url.pathname === `/pay/${encodeURIComponent(payment.transactionId)}`) return undefined
    return url.href
  } catch {
    return undefined
  }
}

function QrBlock({ payment, qr, page }: { payment: PaymentSnapshot; qr?: string; page: PaymentPageView }): Markup {
  const { t } = page
  const link = phoneLink(payment)
  return html`<section class="qr" id="qr">
    ${qr ? html`<p>${t.scanQr}</p><img id="qr-image" src=${qr} alt=${t.qrAlt} width="260" height="260" />` : html`<p class="notice">${t.qrMissing}</p>`}
    ${link ? html`<a class="phone" id="phone-link" href=${link} rel="noopener">${t.openOnPhone}</a>` : null}
  </section>`
}

function StatusLine({ kind, children }: { kind: 'ok' | 'warn' | 'bad' | 'wait'; children: Markup | string }): Markup {
  return html`<p id="status" class=${`status ${kind}`} role="status">${children}</p>`
}

/** What the page says and offers in each status. */
function StatusPart({
  payment,
  methods,
  qr,
  page,
  error,
}: {
  payment: PaymentSnapshot
  methods: MethodOption[]
  qr?: string
  page: PaymentPageView
  error?: string
}): Markup {
  const { t } = page
  const chosen = methods.find((method) => method.code === payment.paymentMethod)
  const due: Due = { remaining: payment.remainingAmount, fromBp: chosen?.commissionBp ?? 0 }
  switch (payment.status) {
    case 'pending':
      return html`<${MethodForm} methods=${methods} due=${due} page=${page} action=${t.pay} chosen=${payment.paymentMethod} error=${error} />`
    case 'processing':
      return html`<${StatusLine} kind="wait">${t.waiting}<//><${QrBlock} payment=${payment} qr=${qr} page=${page} />`
    case 'paid':
      return html`<${StatusLine} kind="ok">${t.statusPaid}<//>`
    case 'partially_paid':
      return html`<${StatusLine} kind="warn">${t.statusPartial}<//>
        <p class="hint">${t.partialHint}</p>
        <${MethodForm} methods=${methods} due=${due} page=${page} action=${t.topUp} chosen=${payment.paymentMethod} error=${error} />`
    case 'failed':
      return html`<${StatusLine} kind="bad">${t.statusFailed}<//>
        <p class="hint">${t.failedHint}</p>
        <${MethodForm} methods=${methods} due=${due} page=${page} action=${t.retry} chosen=${payment.paymentMethod} error=${error} />`
    case 'cancelled':
      return html`<${StatusLine} kind="bad">${t.statusCancelled}<//><p class="hint">${t.closedHint}</p>`
    case 'expired':
      return html`<${StatusLine} kind="bad">${t.statusExpired}<//><p class="hint">${t.closedHint}</p>`
    case 'refunded':
      return html`<${StatusLine} kind="warn">${t.statusRefunded}<//>`
    case 'partially_refunded':
      return html`<${StatusLine} kind="warn">${t.statusPartiallyRefunded}<//>`
    default:
      return html`<${StatusLine} kind="warn">${t.statusOther(payment.status)}<//>`
  }
}

/** The API's "2026-01-13 15:30:00" (Kazakhstan time) as people read it: "13.01.2026 15:30"; anything else is not shown. */
function showTime(seedTime: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})/.exec(seedTime)
  return m ? `${m[3]}.${m[2]}.${m[1]} ${m[4]}:${m[5]}` : undefined
}

/** The amounts that matter in this status, as a definition list. */
function Amounts({ payment, page }: { payment: PaymentSnapshot; page: PaymentPageView }): Markup {
  const { t, lang } = page
  const rows: Array<[string, string, string]> = [['transaction', t.transaction, payment.transactionId]]
  if (payment.description) rows.push(['description', t.description, payment.description])
  rows.push(['order-amount', t.orderAmount, showTenge(payment.originalAmount, lang)])
  if (payment.paidAmount > 0n) rows.push(['paid-amount', t.paid, showTenge(payment.paidAmount, lang)])
  if (payment.status === 'partially_paid' || (payment.paidAmount > 0n && PAYABLE.has(payment.status))) {
    rows.push(['remaining-amount', t.remaining, showTenge(payment.remainingAmount, lang)])
  }
  const payBy = payment.expiresAt && PAYABLE.has(payment.status) ? showTime(payment.expiresAt) : undefined
  if (payBy) rows.push(['expires-at', t.payBy, payBy])
  if (payment.writtenOffAmount > 0n) rows.push(['written-off', t.writtenOff, showTenge(payment.writtenOffAmount, lang)])
  return html`<dl>
    ${rows.map(
      ([id, label, value]) =>
        html`<dt>${label}</dt><dd id=${id} class=${id === 'description' ? 'desc' : undefined}>${value}</dd>`,
    )}
  </dl>`
}

/**
 * The customer's payment page: the merchant's description and the amount, the method choice with each method's
 * commission, then the Kaspi QR and the live status. Rendered on the server from the public API; the page's one
 * script starts the payment (`POST /api/payment/{id}/kaspi`) and follows `GET /api/payment/{id}/status`. Nothing of
 * the customer (name, phone, e-mail) is read, so nothing of it can be shown.
 */
export function PaymentPage({
  page,
  payment,
  methods,
  qr,
  error,
}: {
  page: PaymentPageView
  payment: PaymentSnapshot
  methods: MethodOption[]
  qr?: string
  error?: string
}): Markup {
  const { t, lang } = page
  // The one number the customer came for: what to pay now, what was paid, or what the order was.
  const [headlineLabel, headline] =
    payment.status === 'paid'
      ? [t.paid, payment.paidAmount]
      : PAYABLE.has(payment.status) || payment.status === 'processing'
        ? // What the terminal asks: whole tenge, rounded up (12 280,50 ₸ left is 12 281 ₸ to pay).
          [t.toPay, chargeFor(payment.remainingAmount, 0, 0)]
        : [t.orderAmount, payment.originalAmount]
  return html`<${Layout} page=${page} title=${`${t.title} ${payment.transactionId}`} css=${CSS}>
    <section
      id="payment"
      data-id=${payment.transactionId}
      data-status=${payment.status}
      data-paid=${payment.paidAmount.toString()}
      data-live=${LIVE.has(payment.status) ? 'yes' : 'no'}
      data-text-starting=${t.starting}
      data-text-busy=${t.errorBusy}
      data-text-unavailable=${t.errorUnavailable}
      data-text-generic=${t.errorGeneric}
      data-text-no-method=${t.errorNoMethod}
      data-text-offline=${t.offline}
    >
      <h1>${t.heading}</h1>
      <p class="amount-label">${headlineLabel}</p>
      <p class="amount" id="amount">${showTenge(headline, lang)}</p>
      <${Amounts} payment=${payment} page=${page} />
      <${StatusPart} payment=${payment} methods=${methods} qr=${qr} page=${page} error=${error} />
      <p id="offline" class="notice" hidden>${t.offline}</p>
    </section>
    <${ModuleScript} page=${page} code=${PAGE_SCRIPT} />
  <//>`
}

/** A page that is not a payment: unknown or malformed id (404), or the API unavailable (503). */
export function ProblemPage({ page, kind }: { page: PaymentPageView; kind: 'not-found' | 'unavailable' }): Markup {
  const { t } = page
  const [title, text] =
    kind === 'not-found' ? [t.notFoundTitle, t.notFoundText] : [t.unavailableTitle, t.unavailableText]
  return html`<${Layout} page=${page} title=${title} css=${CSS}>
    <h1>${title}</h1>
    <p class="hint">${text}</p>
  <//>`
}
