import { formatTenge } from '@kokdala/core'
import { defineMessages, html, Layout, type Markup, type MessagesOf, type Page } from '@kokdala/web-kit'
import type { TestGatewayPayment } from './repository.ts'

export const paymentPageText = defineMessages({
  ru: {
    title: 'Оплата заказа — тестовый режим',
    notice: 'Это тестовая платёжная страница: деньги не списываются.',
    order: 'Заказ',
    amount: 'Сумма',
    pay: 'Оплатить',
    decline: 'Отклонить',
    final: 'Платёж уже обработан, статус:',
  },
  en: {
    title: 'Order payment — test mode',
    notice: 'This is a test payment page: no money is charged.',
    order: 'Order',
    amount: 'Amount',
    pay: 'Pay',
    decline: 'Decline',
    final: 'This payment is already processed, status:',
  },
})

const CSS = `form{display:inline-block;margin-right:.5rem}`

/** The payment page of the test-mode gateway, Russian first with English one click away. */
export function PaymentPage({
  page,
  payment,
}: {
  page: Page<MessagesOf<typeof paymentPageText>>
  payment: TestGatewayPayment
}): Markup {
  const { t } = page
  const base = `/test-gateway/pay/${encodeURIComponent(payment.id)}`
  const actions =
    payment.status === 'PENDING'
      ? html`<form method="post" action=${`${base}/pay`}><button id="pay" type="submit">${t.pay}</button></form>
          <form method="post" action=${`${base}/decline`}>
            <button id="decline" type="submit" class="secondary">${t.decline}</button>
          </form>`
      : html`<p>${t.final} <strong>${payment.status}</strong></p>`
  return html`<${Layout} page=${page} title=${t.title} css=${CSS}>
    <h1>${t.title}</h1>
    <p class="notice">${t.notice}</p>
    <dl>
      <dt>${t.order}</dt>
      <dd>${payment.orderId} — ${payment.description}</dd>
      <dt>${t.amount}</dt>
      <dd>${formatTenge(payment.amount)} ₸</dd>
    </dl>
    ${actions}
  <//>`
}
