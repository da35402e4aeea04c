import { formatTenge } from '@kokdala/core'
import type { TestGatewayPayment } from './repository.ts'

export type Lang = 'ru' | 'en'

const TEXT = {
  ru: {
    title: 'Оплата заказа — тестовый режим',
    notice: 'Это тестовая платёжная страница: деньги не списываются.',
    order: 'Заказ',
    amount: 'Сумма',
    pay: 'Оплатить',
    decline: 'Отклонить',
    final: 'Платёж уже обработан, статус:',
    other: 'English',
  },
  en: {
    title: 'Order payment — test mode',
    notice: 'This is a test payment page: no money is charged.',
    order: 'Order',
    amount: 'Amount',
    pay: 'Pay',
    decline: 'Decline',
    final: 'This payment is already processed, status:',
    other: 'Русский',
  },
} as const

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

/** The payment page of the test-mode gateway, Russian first with English one click away. */
export function renderPaymentPage(payment: TestGatewayPayment, lang: Lang): string {
  const t = TEXT[lang]
  const other: Lang = lang === 'ru' ? 'en' : 'ru'
  const base = `/test-gateway/pay/${encodeURIComponent(payment.id)}`
  const actions =
    payment.status === 'PENDING'
      ? `<form method="post" action="${base}/pay"><button id="pay" type="submit">${t.pay}</button></form>
         <form method="post" action="${base}/decline"><button id="decline" type="submit" class="secondary">${t.decline}</button></form>`
      : `<p>${t.final} <strong>${payment.status}</strong></p>`
  return `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${t.title}</title>
<style>
body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0;display:flex;min-height:100vh;align-items:center;justify-content:center}
main{background:#fff;padding:2rem 2.5rem;border-radius:12px;box-shadow:0 2px 12px #0002;max-width:26rem;width:100%}
h1{font-size:1.3rem;margin:0 0 .5rem}.notice{color:#8a5a00;background:#fff6e0;padding:.5rem .75rem;border-radius:6px}
dl{display:grid;grid-template-columns:auto 1fr;gap:.4rem 1rem}dt{color:#666}dd{margin:0;font-weight:600}
form{display:inline-block;margin-right:.5rem}button{font-size:1rem;padding:.6rem 1.4rem;border:0;border-radius:8px;background:#1a7f37;color:#fff;cursor:pointer}
button.secondary{background:#c62828}nav{text-align:right;font-size:.9rem}
</style></head>
<body><main>
<nav><a href="${base}?lang=${other}">${t.other}</a></nav>
<h1>${t.title}</h1>
<p class="notice">${t.notice}</p>
<dl><dt>${t.order}</dt><dd>${payment.orderId} — ${escapeHtml(payment.description)}</dd>
<dt>${t.amount}</dt><dd>${formatTenge(payment.amount)} ₸</dd></dl>
${actions}
</main></body></html>`
}
