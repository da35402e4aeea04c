/**
 * The status page's script (constant; its data come from `data-*` attributes):
 * - The operator's admin token is asked for once and kept in this tab's `sessionStorage`: a reload keeps it, closing
 *   the tab forgets it, and it travels only as `Authorization: Bearer` to this origin — never in a cookie, so the
 *   admin API stays free of cross-site requests, and never in the page's markup.
 * - Every few seconds it fetches the panel (HTML rendered and escaped by the server from the admin API) and puts it
 *   in place; a refused token (401/403) is forgotten and the form comes back; a failed fetch shows a notice and
 *   keeps trying.
 * - "Retry" beside a receipt that needs a person posts to `/api/receipts/{id}/retry` with the same token, then
 *   refreshes the panel at once; a refusal shows the API's stable code (RECEIPT_NOT_RETRYABLE, RETURN_BASIS_MISSING).
 */
export const STATUS_SCRIPT = `
const KEY = 'kokdala.fiscal.adminToken'
const root = document.getElementById('fiscal-status')
const data = root.dataset
const login = document.getElementById('login')
const form = document.getElementById('login-form')
const input = document.getElementById('admin-token')
const loginError = document.getElementById('login-error')
const panel = document.getElementById('panel')
const offline = document.getElementById('offline')
const signOut = document.getElementById('sign-out')
const actionError = document.getElementById('action-error')
let timer

function showLogin(message) {
  clearTimeout(timer)
  panel.replaceChildren()
  panel.hidden = true
  offline.hidden = true
  actionError.hidden = true
  signOut.hidden = true
  login.hidden = false
  loginError.textContent = message || ''
  loginError.hidden = !message
  input.focus()
}

async function refresh() {
  clearTimeout(timer)
  const token = sessionStorage.getItem(KEY)
  if (!token) return showLogin()
  try {
    const response = await fetch(data.panel, { headers: { authorization: 'Bearer ' + token }, cache: 'no-store' })
    if (response.status === 401 || response.status === 403) {
      sessionStorage.removeItem(KEY)
      return showLogin(data.textRefused)
    }
    if (!(response.headers.get('content-type') || '').startsWith('text/html')) throw new Error(String(response.status))
    // The server's own markup, every value escaped there (web-kit's html), with no script in it.
    panel.innerHTML = await response.text()
    login.hidden = true
    panel.hidden = false
    signOut.hidden = false
    offline.hidden = true
  } catch {
    offline.hidden = false
  }
  timer = setTimeout(refresh, Number(data.every) || 5000)
}

form.addEventListener('submit', (event) => {
  event.preventDefault()
  const value = input.value.trim()
  input.value = ''
  if (!value) return showLogin(data.textEmpty)
  sessionStorage.setItem(KEY, value)
  refresh()
})

function actionFailed(detail) {
  actionError.textContent = data.textRetryFailed + (detail ? ' (' + detail + ')' : '')
  actionError.hidden = false
}

panel.addEventListener('click', async (event) => {
  const button = event.target.closest('button[data-retry]')
  if (!button || button.disabled) return
  const token = sessionStorage.getItem(KEY)
  if (!token) return showLogin()
  button.disabled = true
  actionError.hidden = true
  try {
    const url = '/api/receipts/' + encodeURIComponent(button.dataset.retry) + '/retry'
    const response = await fetch(url, { method: 'POST', headers: { authorization: 'Bearer ' + token } })
    if (response.status === 401 || response.status === 403) {
      sessionStorage.removeItem(KEY)
      return showLogin(data.textRefused)
    }
    if (!response.ok) {
      let code = String(response.status)
      try {
        code = (await response.json()).error.code || code
      } catch {}
      actionFailed(code)
    }
  } catch {
    actionFailed()
  }
  refresh()
})

signOut.addEventListener('click', () => {
  sessionStorage.removeItem(KEY)
  showLogin()
})

refresh()
`
