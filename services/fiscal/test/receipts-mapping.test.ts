import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { PAYMENT_TYPES } from '@kokdala/webkassa'
import { tiynOfWire } from '../src/modules/receipts/amounts.ts'
import {
  NO_PROGRESS,
  type PaymentEventBody,
  type PaymentProgress,
  planReceipts,
  type StoredSale,
} from '../src/modules/receipts/mapping.ts'
import { apiNumber, returnNumber, saleNumber } from '../src/modules/receipts/numbers.ts'
import { assertBalanced, checkRequest, totalOf } from '../src/modules/receipts/receipt.ts'
import { RECEIPT_STATUSES, receiptMachine } from '../src/modules/receipts/state.ts'

const settings = { vatPercent: 16, paymentTypeOf: () => PAYMENT_TYPES.mobile }

function body(over: Partial<PaymentEventBody>): PaymentEventBody {
  return {
    event: 'paid',
    transaction_id: 'TX0000000001',
    paid_amount: 0,
    actual_amount_received: 0,
    refunded_amount: 0,
    written_off_amount: 0,
    description: 'Билет на концерт',
    ...over,
  }
}

describe('receipt state machine', () => {
  test('fiscalized is final: no move leaves it', () => {
    assert.deepEqual(
      receiptMachine.moves().filter((m) => m.from === 'fiscalized'),
      [],
    )
  })
  test('an unknown outcome leads to recovering, never straight back to sending a new receipt', () => {
    assert.equal(receiptMachine.next('sending', 'lose'), 'recovering')
    assert.equal(receiptMachine.next('sending', 'duplicate'), 'recovering')
    assert.equal(receiptMachine.next('recovering', 'found'), 'fiscalized')
    assert.equal(receiptMachine.next('recovering', 'missed'), 'sending')
    assert.equal(receiptMachine.next('recovering', 'send'), undefined)
  })
  test('every status of the table is documented and every target is a status', () => {
    assert.deepEqual(Object.keys(receiptMachine.table).sort(), [...RECEIPT_STATUSES].sort())
    for (const move of receiptMachine.moves()) assert.ok(RECEIPT_STATUSES.includes(move.to))
  })
  test('a blocked return waits for a person, and only a person sends a failed receipt again', () => {
    assert.equal(receiptMachine.next('pending', 'block'), 'needs_attention')
    assert.equal(receiptMachine.next('failed', 'retry'), 'pending')
    assert.equal(receiptMachine.next('failed', 'send'), undefined)
  })
})

describe('amounts', () => {
  test('VAT per line on the wire is the included VAT of the line total, in tenge', () => {
    const content = {
      kind: 'sale' as const,
      lines: [
        { name: 'a', count: 1, priceTiyn: 50_000n, vatPercent: 12, unitCode: 796 },
        { name: 'b', count: 2, priceTiyn: 5_000n, vatPercent: 16, unitCode: 796 },
        { name: 'c', count: 1, priceTiyn: 100n, vatPercent: 0, unitCode: 796 },
      ],
      payments: [{ type: 4 as const, sumTiyn: 60_100n }],
    }
    const wire = checkRequest(content, 'SWK1', 's-x-1')
    // 500 ₸ at 12 % → 53.57 ₸ (Webkassa's sample); 2 × 50 ₸ at 16 % → 13.79 ₸; no VAT → TaxType 0.
    assert.deepEqual(
      wire.Positions.map((p) => [p.Price, p.Tax, p.TaxType]),
      [
        [500, 53.57, 100],
        [50, 13.79, 100],
        [1, 0, 0],
      ],
    )
    assert.deepEqual(wire.Payments, [{ Sum: 601, PaymentType: 4 }])
  })
  test('a total Webkassa sends back is read to the nearest tiyn', () => {
    assert.equal(tiynOfWire(12_280.5), 1_228_050n)
    assert.equal(tiynOfWire(0.29), 29n)
    assert.throws(() => tiynOfWire(Number.NaN), RangeError)
  })
})

describe('external numbers', () => {
  test('are derived from the source, stable and at most 50 ASCII characters', () => {
    assert.equal(saleNumber('TX0000000001', 2), 's-TX0000000001-2')
    assert.equal(returnNumber('TX0000000001', 1), 'r-TX0000000001-1')
    const long = apiNumber('заказ-№-'.repeat(40))
    assert.equal(long, apiNumber('заказ-№-'.repeat(40)))
    assert.notEqual(long, apiNumber('заказ-№-1'))
    assert.match(long, /^api-[0-9a-f]{40}$/)
  })
  test('refuse a transaction id that cannot be part of one, instead of cutting it', () => {
    assert.throws(() => saleNumber('x'.repeat(60), 1), RangeError)
    assert.throws(() => saleNumber('a b', 1), RangeError)
    assert.throws(() => saleNumber('TX1', 0), RangeError)
  })
})

describe('payments event → receipts', () => {
  test('a paid payment gives one sale receipt of the amount paid, paid by mobile payment', () => {
    const { receipts, progress } = planReceipts(
      body({ paid_amount: 5_000, actual_amount_received: 5_000 }),
      NO_PROGRESS,
      [],
      settings,
    )
    assert.equal(receipts.length, 1)
    const [r] = receipts
    assert.equal(r.kind, 'sale')
    assert.equal(r.externalNumber, 's-TX0000000001-1')
    assert.equal(r.totalTiyn, 500_000n)
    assert.deepEqual(r.content.payments, [{ type: 4, sumTiyn: 500_000n }])
    assert.equal(r.content.lines.length, 1)
    assert.equal(r.content.lines[0].name, 'Билет на концерт')
    assert.equal(progress.saleTiyn, 500_000n)
    assert.equal(progress.sales, 1)
  })

  test('partially paid then paid gives two receipts, each of the money received in its step', () => {
    const first = planReceipts(
      body({ event: 'partially_paid', paid_amount: 30_000, actual_amount_received: 30_000 }),
      NO_PROGRESS,
      [],
      settings,
    )
    const second = planReceipts(
      body({ event: 'paid', paid_amount: 100_000, actual_amount_received: 100_000 }),
      first.progress,
      [],
      settings,
    )
    assert.deepEqual(
      [...first.receipts, ...second.receipts].map((r) => [r.externalNumber, r.totalTiyn]),
      [
        ['s-TX0000000001-1', 3_000_000n],
        ['s-TX0000000001-2', 7_000_000n],
      ],
    )
  })

  test('a repeated or overtaken event plans nothing', () => {
    const after = planReceipts(
      body({ paid_amount: 100_000, actual_amount_received: 100_000 }),
      NO_PROGRESS,
      [],
      settings,
    )
    assert.deepEqual(
      planReceipts(body({ paid_amount: 100_000, actual_amount_received: 100_000 }), after.progress, [], settings)
        .receipts,
      [],
    )
    const late = body({ event: 'partially_paid', paid_amount: 30_000, actual_amount_received: 30_000 })
    assert.deepEqual(planReceipts(late, after.progress, [], settings).receipts, [])
  })

  test('the credit commission is its own line and the lines add up to the money received', () => {
    const { receipts } = planReceipts(
      body({ paid_amount: 114_000, actual_amount_received: 100_000 }),
      NO_PROGRESS,
      [],
      settings,
    )
    const [r] = receipts
    assert.deepEqual(
      r.content.lines.map((l) => [l.name, l.priceTiyn]),
      [
        ['Билет на концерт', 10_000_000n],
        ['Комиссия за оплату в кредит или рассрочку', 1_400_000n],
      ],
    )
    assert.equal(totalOf(r.content), 11_400_000n)
    assert.doesNotThrow(() => assertBalanced(r.content))
    const wire = checkRequest(r.content, 'SWK00000001', r.externalNumber)
    assert.deepEqual(
      wire.Positions.map((p) => [p.Price, p.Tax, p.TaxType, p.TaxPercent]),
      [
        [100_000, 13_793.1, 100, 16],
        [14_000, 1_931.03, 100, 16],
      ],
    )
  })

  test('the tolerance write-off never changes the receipt: it shows what was paid', () => {
    // 100 000 ₸ asked, 99 600 ₸ paid, 400 ₸ written off by the seed's tolerance.
    const { receipts } = planReceipts(
      body({ paid_amount: 99_600, actual_amount_received: 99_600, written_off_amount: 400 }),
      NO_PROGRESS,
      [],
      settings,
    )
    assert.equal(receipts[0].totalTiyn, 9_960_000n)
    assert.equal(totalOf(receipts[0].content), 9_960_000n)
  })

  test('a refund becomes a return receipt referring to the stored sale, split like the sale', () => {
    const sale = planReceipts(
      body({ paid_amount: 114_000, actual_amount_received: 100_000 }),
      NO_PROGRESS,
      [],
      settings,
    )
    const stored: StoredSale = { id: 7, content: sale.receipts[0].content, totalTiyn: 11_400_000n, returnedTiyn: 0n }
    const { receipts, progress } = planReceipts(
      body({
        event: 'partially_refunded',
        paid_amount: 57_000,
        actual_amount_received: 50_000,
        refunded_amount: 57_000,
      }),
      sale.progress,
      [stored],
      settings,
    )
    assert.equal(receipts.length, 1)
    const [r] = receipts
    assert.equal(r.kind, 'sale_return')
    assert.equal(r.externalNumber, 'r-TX0000000001-1')
    assert.equal(r.kind === 'sale_return' && r.originalId, 7)
    assert.equal(r.totalTiyn, 5_700_000n)
    assert.deepEqual(
      r.content.lines.map((l) => l.priceTiyn),
      [5_000_000n, 700_000n],
    )
    assert.equal(progress.returnTiyn, 5_700_000n)
  })

  test('a refund larger than one partial receipt is returned against each sale in turn', () => {
    const p1 = planReceipts(
      body({ event: 'partially_paid', paid_amount: 300, actual_amount_received: 300 }),
      NO_PROGRESS,
      [],
      settings,
    )
    const p2 = planReceipts(body({ paid_amount: 1_000, actual_amount_received: 1_000 }), p1.progress, [], settings)
    const sales: StoredSale[] = [
      { id: 1, content: p1.receipts[0].content, totalTiyn: 30_000n, returnedTiyn: 0n },
      { id: 2, content: p2.receipts[0].content, totalTiyn: 70_000n, returnedTiyn: 0n },
    ]
    const { receipts } = planReceipts(
      body({ event: 'refunded', paid_amount: 0, actual_amount_received: 0, refunded_amount: 1_000 }),
      p2.progress,
      sales,
      settings,
    )
    assert.deepEqual(
      receipts.map((r) => [r.externalNumber, r.kind === 'sale_return' ? r.originalId : null, r.totalTiyn]),
      [
        ['r-TX0000000001-1', 1, 30_000n],
        ['r-TX0000000001-2', 2, 70_000n],
      ],
    )
  })

  test('a refund with no stored original is planned without one (to be blocked, never sent)', () => {
    const progress: PaymentProgress = { ...NO_PROGRESS }
    const { receipts } = planReceipts(
      body({ event: 'refunded', paid_amount: 0, refunded_amount: 500 }),
      progress,
      [],
      settings,
    )
    assert.equal(receipts.length, 1)
    assert.equal(receipts[0].kind === 'sale_return' && receipts[0].originalId, null)
    assert.equal(receipts[0].totalTiyn, 50_000n)
  })

  test('failed and cancelled events plan nothing; a malformed amount is refused', () => {
    assert.deepEqual(planReceipts(body({ event: 'failed' }), NO_PROGRESS, [], settings).receipts, [])
    assert.throws(() => planReceipts(body({ paid_amount: 1.005 }), NO_PROGRESS, [], settings), RangeError)
    assert.throws(() => planReceipts(body({ paid_amount: -5 }), NO_PROGRESS, [], settings), RangeError)
  })

  test('a return is never built without its basis, and payment types appear once', () => {
    const content = {
      kind: 'sale_return' as const,
      lines: [{ name: 'x', count: 1, priceTiyn: 100n, vatPercent: 16, unitCode: 796 }],
      payments: [{ type: 4 as const, sumTiyn: 100n }],
    }
    assert.throws(() => checkRequest(content, 'SWK1', 'r-x-1'), RangeError)
    assert.throws(
      () =>
        assertBalanced({
          ...content,
          payments: [
            { type: 4, sumTiyn: 50n },
            { type: 4, sumTiyn: 50n },
          ],
        }),
      RangeError,
    )
  })
})
