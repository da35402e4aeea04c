/**
 * The payment page's one script, a constant (ADR 0004): the page's data and texts reach it through the escaped
 * `data-*` attributes of `#payment`, never spliced into the code. It talks to the public API by its real paths:
 *
 * - "Оплатить" posts `{ payment_method }` to `POST /api/payment/{id}/kaspi` with a fresh `Idempotency-Key` (a double
 *   click or a retried request starts one attempt), then reloads: the server renders the QR from `GET /api/payment/{id}`.
 * - While the payment can still change, it polls `GET /api/payment/{id}/status` — every second while `processing`
 *   (that call is also what asks the terminal, as in the seed), every 3 s otherwise — and reloads when the status or
 *   the paid amount differs from what the page shows. Polling rather than a push: the status call is the one that
 *   moves a `processing` payment forward, so a page that only listened would wait for the background poller.
 */
export const PAGE_SCRIPT = `
const root = document.getElementById('payment')
const data = root.dataset
const api = '/api/payment/' + encodeURIComponent(data.id)
const form = document.getElementById('pay-form')
const errorBox = document.getElementById('pay-error')
const offline = document.getElementById('offline')
let submitting = false

function randomKey() {
  const bytes = new Uint8Array(16)
  crypto.getRandomValues(bytes)
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

function showError(text) {
  errorBox.textContent = text
  errorBox.hidden = false
}

if (form) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    if (submitting) return
    const method = new FormData(form).get('payment_method')
    if (!method) return showError(data.textNoMethod)
    const button = document.getElementById('pay')
    const label = button.textContent
    submitting = true
    button.disabled = true
    button.textContent = data.textStarting
    errorBox.hidden = true
    try {
      const response = await fetch(api + '/kaspi', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': randomKey() },
        body: JSON.stringify({ payment_method: method }),
      })
      const body = await response.json().catch(() => null)
      if (response.ok && body && body.success) {
        location.reload()
        return
      }
      const code = body && body.code
      // The payment moved on meanwhile (another tab started it, it expired): show what it is now.
      if (code === 'PAYMENT_IN_PROGRESS' || code === 'PAYMENT_NOT_PAYABLE') return location.reload()
      showError(code === 'TERMINALS_BUSY' ? data.textBusy : code === 'TERMINAL_UNAVAILABLE' ? data.textUnavailable : data.textGeneric)
    } catch {
      showError(data.textGeneric)
    }
    submitting = false
    button.disabled = false
    button.textContent = label
  })
}

async function poll() {
  if (!submitting) {
    try {
      const response = await fetch(api + '/status', { cache: 'no-store' })
      if (response.status === 404) return location.reload()
      if (response.ok) {
        offline.hidden = true
        const body = await response.json()
        const now = body && body.data
        if (now && (now.status !== data.status || String(Math.round(now.paid_amount * 100)) !== data.paid)) {
          return location.reload()
        }
      } else if (response.status >= 500) {
        offline.hidden = false
      }
    } catch {
      offline.hidden = false
    }
  }
  setTimeout(poll, data.status === 'processing' ? 1000 : 3000)
}

if (data.live === 'yes') setTimeout(poll, 1000)
`
