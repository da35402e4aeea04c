import type { Payment } from './store.ts'

export type Language = 'ru' | 'en'

const TEXT = {
  ru: {
    title: 'Оплата заказа',
    order: 'Заказ',
    amount: 'Сумма',
    card: 'Номер карты',
    expiry: 'Срок действия (ММ/ГГ)',
    cvv: 'CVV',
    holder: 'Имя держателя карты',
    email: 'Email',
    pay: 'Оплатить',
    other: 'English',
    expired: 'Срок оплаты истёк',
    unavailable: 'Платёж нельзя оплатить: статус',
    result: 'Результат оплаты',
    status: 'Статус',
    testCards:
      'Тестовые карты: 4111 1111 1111 1111 — успех, 4000 0000 0000 0002 — отказ, 4000 0000 0000 0119 — недостаточно средств',
  },
  en: {
    title: 'Order payment',
    order: 'Order',
    amount: 'Amount',
    card: 'Card number',
    expiry: 'Expiry date (MM/YY)',
    cvv: 'CVV',
    holder: 'Cardholder name',
    email: 'Email',
    pay: 'Pay',
    other: 'Русский',
    expired: 'The payment has expired',
    unavailable: 'This payment cannot be paid: status',
    result: 'Payment result',
    status: 'Status',
    testCards:
      'Test cards: 4111 1111 1111 1111 — approved, 4000 0000 0000 0002 — declined, 4000 0000 0000 0119 — insufficient funds',
  },
} as const

export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(
    /[&<>"']/g,
    (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] as string,
  )
}

/** The form shows major units: the gateway stores minor units (tiyn) and divides by 100 for display. */
function formatAmount(payment: Payment): string {
  return `${(payment.amount / 100).toFixed(2)} ${payment.currency}`
}

function page(lang: Language, title: string, body: string): string {
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} — ТөлеуБар</title>
<style>
body{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;color:#222}
label{display:block;margin:.6rem 0 .2rem}input{width:100%;padding:.5rem;box-sizing:border-box;font-size:1rem}
button{margin-top:1rem;width:100%;padding:.7rem;font-size:1rem;background:#1a7f37;color:#fff;border:0;border-radius:4px}
.error{color:#b00020;background:#fde7ea;padding:.5rem;border-radius:4px}.hint{color:#666;font-size:.85rem}
</style>
</head>
<body>
${body}
</body>
</html>`
}

export interface FormView {
  payment: Payment
  lang: Language
  error?: string
  values?: Record<string, string>
}

/** The hosted payment page; posts form-urlencoded fields named like the real one's MVC model. */
export function renderPaymentForm(view: FormView): string {
  const { payment, lang, error, values = {} } = view
  const t = TEXT[lang]
  const otherLang = lang === 'ru' ? 'en' : 'ru'
  const field = (name: string, label: string, attrs: string) =>
    `<label for="${name}">${label}</label><input id="${name}" name="${name}" value="${escapeHtml(values[name])}" ${attrs}>`
  return page(
    lang,
    t.title,
    `<p><a href="?lang=${otherLang}">${t.other}</a></p>
<h1>${t.title}</h1>
<p>${t.order}: <b>${escapeHtml(payment.orderId)}</b><br>${t.amount}: <b data-amount>${formatAmount(payment)}</b></p>
${payment.description ? `<p>${escapeHtml(payment.description)}</p>` : ''}
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/api/v1/paymentform/submit">
<input type="hidden" name="PaymentId" value="${escapeHtml(payment.paymentId)}">
<input type="hidden" name="Language" value="${lang}">
${field('CardNumber', t.card, 'inputmode="numeric" autocomplete="cc-number" required')}
${field('ExpiryDate', t.expiry, 'placeholder="MM/YY" autocomplete="cc-exp" required')}
${field('Cvv', t.cvv, 'inputmode="numeric" autocomplete="cc-csc" required')}
${field('CardholderName', t.holder, 'autocomplete="cc-name"')}
${field('Email', t.email, 'type="email" autocomplete="email"')}
<button type="submit">${t.pay} ${formatAmount(payment)}</button>
</form>
<p class="hint">${t.testCards}</p>`,
  )
}

/** Shown instead of the form when the payment can no longer be paid (expired, paid, cancelled…). */
export function renderUnavailable(payment: Payment, lang: Language): string {
  const t = TEXT[lang]
  const message = payment.status === 'EXPIRED' ? t.expired : `${t.unavailable} ${payment.status}`
  return page(lang, t.title, `<h1>${t.title}</h1><p class="error" role="alert">${escapeHtml(message)}</p>`)
}

/** The result page used when the merchant gave no success/fail URL. */
export function renderResult(payment: Payment, lang: Language): string {
  const t = TEXT[lang]
  return page(
    lang,
    t.result,
    `<h1>${t.result}</h1>
<p>${t.order}: <b>${escapeHtml(payment.orderId)}</b><br>${t.amount}: <b>${formatAmount(payment)}</b></p>
<p>${t.status}: <b data-status>${escapeHtml(payment.status)}</b></p>`,
  )
}
