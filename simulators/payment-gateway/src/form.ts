import { defineMessages, html, Layout, type Markup, type MessagesOf, type Page } from '@kokdala/web-kit'
import type { Payment } from './store.ts'

export const formText = defineMessages({
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
    expired: 'Срок оплаты истёк',
    unavailable: 'Платёж нельзя оплатить: статус',
    notFound: 'Платёж не найден',
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
    expired: 'The payment has expired',
    unavailable: 'This payment cannot be paid: status',
    notFound: 'Payment not found',
    result: 'Payment result',
    status: 'Status',
    testCards:
      'Test cards: 4111 1111 1111 1111 — approved, 4000 0000 0000 0002 — declined, 4000 0000 0000 0119 — insufficient funds',
  },
})

export type FormPage = Page<MessagesOf<typeof formText>>

const CSS = `form button{margin-top:1rem;width:100%;padding:.7rem}`

/** The form shows major units: the gateway stores minor units (tiyn) and divides by 100 for display. */
function formatAmount(payment: Payment): string {
  return `${(payment.amount / 100).toFixed(2)} ${payment.currency}`
}

function GatewayLayout({ page, title, children }: { page: FormPage; title: string; children: Markup }): Markup {
  return html`<${Layout} page=${page} title=${`${title} — ТөлеуБар`} css=${CSS}>${children}<//>`
}

/** Where the language switch of a gateway page leads: the form (or result) itself, even after a POST. */
export function formHref(paymentId: string, view: 'render' | 'result' = 'render') {
  return (lang: string) => `/api/v1/paymentform/${view}/${encodeURIComponent(paymentId)}?lang=${lang}`
}

export interface FormView {
  page: FormPage
  payment: Payment
  error?: string
  values?: Record<string, string>
}

/** The hosted payment page; posts form-urlencoded fields named like the real one's MVC model. */
export function PaymentForm({ page, payment, error, values = {} }: FormView): Markup {
  const { t } = page
  const field = (name: string, label: string, attrs: Record<string, string | boolean>) =>
    html`<label for=${name}>${label}</label><input id=${name} name=${name} value=${values[name] ?? ''} ...${attrs} />`
  return html`<${GatewayLayout} page=${page} title=${t.title}>
    <h1>${t.title}</h1>
    <p>${t.order}: <b>${payment.orderId}</b><br />${t.amount}: <b data-amount>${formatAmount(payment)}</b></p>
    ${payment.description ? html`<p>${payment.description}</p>` : null}
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    <form method="post" action="/api/v1/paymentform/submit">
      <input type="hidden" name="PaymentId" value=${payment.paymentId} />
      <input type="hidden" name="Language" value=${page.lang} />
      ${field('CardNumber', t.card, { inputmode: 'numeric', autocomplete: 'cc-number', required: true })}
      ${field('ExpiryDate', t.expiry, { placeholder: 'MM/YY', autocomplete: 'cc-exp', required: true })}
      ${field('Cvv', t.cvv, { inputmode: 'numeric', autocomplete: 'cc-csc', required: true })}
      ${field('CardholderName', t.holder, { autocomplete: 'cc-name' })}
      ${field('Email', t.email, { type: 'email', autocomplete: 'email' })}
      <button type="submit">${t.pay} ${formatAmount(payment)}</button>
    </form>
    <p class="hint">${t.testCards}</p>
  <//>`
}

/** Shown instead of the form when the payment can no longer be paid (expired, paid, cancelled…). */
export function Unavailable({ page, payment }: { page: FormPage; payment: Payment }): Markup {
  const { t } = page
  const message = payment.status === 'EXPIRED' ? t.expired : `${t.unavailable} ${payment.status}`
  return html`<${GatewayLayout} page=${page} title=${t.title}>
    <h1>${t.title}</h1>
    <p class="error" role="alert">${message}</p>
  <//>`
}

/** The result page used when the merchant gave no success/fail URL. */
export function Result({ page, payment }: { page: FormPage; payment: Payment }): Markup {
  const { t } = page
  return html`<${GatewayLayout} page=${page} title=${t.result}>
    <h1>${t.result}</h1>
    <p>${t.order}: <b>${payment.orderId}</b><br />${t.amount}: <b>${formatAmount(payment)}</b></p>
    <p>${t.status}: <b data-status>${payment.status}</b></p>
  <//>`
}

/** An unknown payment id. */
export function NotFound({ page }: { page: FormPage }): Markup {
  return html`<${GatewayLayout} page=${page} title=${page.t.notFound}><h1>${page.t.notFound}</h1><//>`
}
