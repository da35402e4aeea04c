import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startPayments } from './harness.ts'

describe('GET /api/payment-methods/active', () => {
  let payments: Awaited<ReturnType<typeof startPayments>>
  before(async () => {
    payments = await startPayments()
  })
  after(() => payments.close())

  it('lists the seed’s four Kaspi methods in its shape, commissions as data', async () => {
    const answer = await payments.app.inject({ method: 'GET', url: '/api/payment-methods/active' })
    assert.equal(answer.statusCode, 200)
    const body = answer.json()
    assert.equal(body.success, true)
    assert.deepEqual(
      body.data.map((m: { code: string }) => m.code),
      ['kaspi_gold', 'kaspi_red', 'kaspi_kredit', 'kaspi_rassrochka'],
    )
    const credit = body.data.find((m: { code: string }) => m.code === 'kaspi_kredit')
    assert.deepEqual(
      { ...credit },
      {
        id: 3,
        code: 'kaspi_kredit',
        name: 'Kaspi Кредит',
        type: 'credit',
        provider: 'kaspi',
        country_id: 1,
        payment_currency: 'KZT',
        icon_emoji: '💰',
        commission_percent: 0,
        has_credit: true,
        credit_commission_percent: 14,
        has_installment: false,
        installment_months: null,
        installment_commission_percent: 0,
        add_commission_to_amount: true,
      },
    )
    const installment = body.data.find((m: { code: string }) => m.code === 'kaspi_rassrochka')
    assert.equal(installment.installment_months, '3,6,12')
    assert.equal(installment.installment_commission_percent, 14)
  })

  it('answers an unknown route in the seed’s error envelope with a stable code', async () => {
    const answer = await payments.app.inject({ method: 'GET', url: '/api/nothing-here' })
    assert.equal(answer.statusCode, 404)
    const body = answer.json()
    assert.deepEqual(Object.keys(body).sort(), ['code', 'error_code', 'message', 'success'])
    assert.deepEqual(
      { ...body, message: typeof body.message },
      {
        success: false,
        message: 'string',
        error_code: 404,
        code: 'NOT_FOUND',
      },
    )
  })
})
