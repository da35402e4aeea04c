import assert from 'node:assert/strict'
import { ConnectorError } from '@kokdala/core'
import {
  type KaspiProductType,
  type KaspiTerminalClient,
  methodOfProductType,
  paidAmountTiyn,
  type QrReader,
  toPaymentUrl,
} from '@kokdala/kaspi'
import { type ContractSubject, defineContract } from '@kokdala/sim-kit/contract'

/** One terminal no other case uses, with the customer in front of it. */
export interface TerminalUnderTest {
  client: KaspiTerminalClient
  /** A client of the same terminal sending another access token. */
  clientWithToken(accessToken: string): KaspiTerminalClient
  qr: QrReader
  cameraId: string
  pay(input?: {
    productType?: KaspiProductType
    loanTerm?: number
    amount?: number
    unknown?: boolean
    omitAmount?: boolean
  }): Promise<void>
  decline(): Promise<void>
  walkAway(status?: 'wait' | 'unknown'): Promise<void>
  confirmRefund(): Promise<void>
}

/**
 * What the suite runs against: the simulator, or a real terminal with a person acting as the customer. Optional
 * capabilities (faults only a simulator can make) skip the cases that need them.
 */
export interface KaspiTerminalSubject extends ContractSubject {
  terminal(): Promise<TerminalUnderTest>
  /** Takes the terminal off the network until the returned function puts it back. */
  offline?(terminal: TerminalUnderTest): Promise<() => Promise<void>>
  /** The next calls of `operation` get no answer at all until restored; the client must give up by its timeout. */
  hang?(operation: string): Promise<() => Promise<void>>
  /** The terminals answer HTTP 200 with an empty body or an HTML page until restored. */
  answer?(kind: 'empty' | 'garbage'): Promise<() => Promise<void>>
  /** Every call answers 503 until restored. */
  outage?(): Promise<() => Promise<void>>
  /** A client of `terminal` with this timeout and no retries. */
  impatientClient?(terminal: TerminalUnderTest, timeoutMs: number): KaspiTerminalClient
}

async function refusal(promise: Promise<unknown>, kind: ConnectorError['kind']): Promise<ConnectorError> {
  const error = await promise.then(
    () => assert.fail(`expected a ${kind} ConnectorError`),
    (e: unknown) => e,
  )
  assert.ok(error instanceof ConnectorError, `not a ConnectorError: ${error}`)
  assert.equal(error.kind, kind, error.message)
  return error
}

/** Starts a payment and the customer pays it in full with Gold: a purchase to refund. */
async function purchase(t: TerminalUnderTest, amount: number) {
  const { processId } = await t.client.startPayment(amount)
  await t.pay()
  const status = await t.client.status(processId)
  assert.equal(status.status, 'success')
  return status.transactionId!
}

export const kaspiTerminalContract = defineContract<KaspiTerminalSubject>('Kaspi terminal client', [
  {
    name: 'deviceinfo answers with the right access token and is refused (auth) with a wrong one',
    async run(subject) {
      const t = await subject.terminal()
      assert.equal(typeof (await t.client.deviceInfo()), 'object')
      await refusal(t.clientWithToken('wrong-token').deviceInfo(), 'auth')
    },
  },
  {
    name: 'a payment waits for the customer, then status tells the amount, transaction, product type and cheque',
    async run(subject) {
      const t = await subject.terminal()
      const { processId } = await t.client.startPayment(50500)
      assert.equal((await t.client.status(processId)).status, 'wait')
      await t.pay()
      const status = await t.client.status(processId)
      assert.equal(status.status, 'success')
      assert.equal(status.amount, 50500)
      assert.equal(paidAmountTiyn(status), 5_050_000n)
      assert.equal(typeof status.transactionId, 'string')
      assert.equal(status.addInfo?.ProductType, 'Gold')
      assert.equal(methodOfProductType(status.addInfo?.ProductType), 'kaspi_gold')
      assert.equal(paidAmountTiyn({ chequeInfo: status.chequeInfo }), 5_050_000n)
      // The terminal is free again.
      const next = await t.client.startPayment(1)
      await t.client.cancel(next.processId)
    },
  },
  {
    name: 'the camera reads the QR of the payment on screen; with nothing on screen it says so (rejected)',
    async run(subject) {
      const t = await subject.terminal()
      const { processId } = await t.client.startPayment(1000)
      const qr = await t.qr.readQr({ cameraId: t.cameraId, processId })
      assert.match(qr, /^https:\/\/qr\.kaspi\.kz\//)
      assert.match(toPaymentUrl(qr), /^https:\/\/pay\.kaspi\.kz\/pay\//)
      await t.client.cancel(processId)
      await refusal(t.qr.readQr({ cameraId: t.cameraId, processId }), 'rejected')
    },
  },
  {
    name: 'a second payment while one waits is refused with the terminal’s text; after cancel the first is fail',
    async run(subject) {
      const t = await subject.terminal()
      const { processId } = await t.client.startPayment(2000)
      const busy = await refusal(t.client.startPayment(3000), 'rejected')
      assert.match(busy.message, /busy/i)
      assert.notEqual(busy.partnerCode, '0')
      await t.client.cancel(processId)
      assert.equal((await t.client.status(processId)).status, 'fail')
      // Cancelling again changes nothing and is not an error.
      await t.client.cancel(processId)
      const again = await t.client.startPayment(3000)
      await t.client.cancel(again.processId)
    },
  },
  {
    name: 'the customer pays with another method and another amount: status tells what was really paid',
    async run(subject) {
      const t = await subject.terminal()
      const { processId } = await t.client.startPayment(114000)
      await t.pay({ productType: 'Installment', loanTerm: 24, amount: 100000 })
      const status = await t.client.status(processId)
      assert.equal(status.status, 'success')
      assert.equal(paidAmountTiyn(status), 10_000_000n)
      assert.equal(status.addInfo?.ProductType, 'Installment')
      assert.equal(status.addInfo?.LoanTerm, 24)
      assert.equal(methodOfProductType(status.addInfo?.ProductType), 'kaspi_rassrochka')
    },
  },
  {
    name: 'a success without data.amount is read from the cheque, never as 0',
    async run(subject) {
      const t = await subject.terminal()
      const { processId } = await t.client.startPayment(50500)
      await t.pay({ omitAmount: true, productType: 'Red' })
      const status = await t.client.status(processId)
      assert.equal(status.amount, undefined)
      assert.equal(paidAmountTiyn(status), 5_050_000n)
    },
  },
  {
    name: 'a declined payment is fail and frees the terminal',
    async run(subject) {
      const t = await subject.terminal()
      const { processId } = await t.client.startPayment(700)
      await t.decline()
      assert.equal((await t.client.status(processId)).status, 'fail')
      const next = await t.client.startPayment(700)
      await t.client.cancel(next.processId)
    },
  },
  {
    name: 'a customer who walks away leaves the payment wait (or unknown, which actualize resolves)',
    async run(subject) {
      const t = await subject.terminal()
      const { processId } = await t.client.startPayment(800)
      await t.walkAway()
      assert.equal((await t.client.status(processId)).status, 'wait')
      await t.walkAway('unknown')
      assert.equal((await t.client.status(processId)).status, 'unknown')
      assert.equal((await t.client.actualize(processId)).status, 'wait')
      assert.equal((await t.client.status(processId)).status, 'wait')
      await t.client.cancel(processId)
      assert.equal((await t.client.status(processId)).status, 'fail')
    },
  },
  {
    name: 'a paid payment the terminal reports unknown is success once actualized',
    async run(subject) {
      const t = await subject.terminal()
      const { processId } = await t.client.startPayment(900)
      await t.pay({ unknown: true })
      assert.equal((await t.client.status(processId)).status, 'unknown')
      const actual = await t.client.actualize(processId)
      assert.equal(actual.status, 'success')
      assert.equal(paidAmountTiyn(actual), 90_000n)
    },
  },
  {
    name: 'an unknown process is refused for status, actualize and cancel; a paid one cannot be cancelled',
    async run(subject) {
      const t = await subject.terminal()
      await refusal(t.client.status('no-such-process'), 'rejected')
      await refusal(t.client.actualize('no-such-process'), 'rejected')
      await refusal(t.client.cancel('no-such-process'), 'rejected')
      const { processId } = await t.client.startPayment(100)
      await t.pay()
      await refusal(t.client.cancel(processId), 'rejected')
    },
  },
  {
    name: 'refunds: of a purchase the terminal took, confirmed by the customer, never above what is left',
    async run(subject) {
      const t = await subject.terminal()
      const transactionId = await purchase(t, 10000)
      const first = await t.client.refund({ method: 'qr', amountTenge: 4000, transactionId })
      assert.equal((await t.client.status(first.processId)).status, 'wait')
      // The refund QR is on screen: the terminal is busy until the customer confirms it.
      await refusal(t.client.startPayment(10), 'rejected')
      await t.confirmRefund()
      const refunded = await t.client.status(first.processId)
      assert.equal(refunded.status, 'success')
      assert.equal(paidAmountTiyn(refunded), 400_000n)
      const above = await refusal(t.client.refund({ method: 'qr', amountTenge: 6001, transactionId }), 'rejected')
      assert.match(above.message, /exceeds/i)
      const rest = await t.client.refund({ method: 'card', amountTenge: 6000, transactionId })
      await t.confirmRefund()
      assert.equal((await t.client.status(rest.processId)).status, 'success')
      await refusal(t.client.refund({ method: 'qr', amountTenge: 1, transactionId }), 'rejected')
    },
  },
  {
    name: 'a refund of a transaction the terminal never took, or with a wrong access token, is refused',
    async run(subject) {
      const t = await subject.terminal()
      const transactionId = await purchase(t, 500)
      await refusal(t.client.refund({ method: 'qr', amountTenge: 1, transactionId: '999999999' }), 'rejected')
      await refusal(t.clientWithToken('wrong-token').refund({ method: 'qr', amountTenge: 1, transactionId }), 'auth')
      // Neither refusal held any of the purchase back.
      await t.client.refund({ method: 'qr', amountTenge: 500, transactionId })
      await t.confirmRefund()
    },
  },
  {
    name: 'a refused or abandoned refund gives its amount back to what can be refunded',
    async run(subject) {
      const t = await subject.terminal()
      const transactionId = await purchase(t, 300)
      const refused = await t.client.refund({ method: 'qr', amountTenge: 300, transactionId })
      await t.decline()
      assert.equal((await t.client.status(refused.processId)).status, 'fail')
      const abandoned = await t.client.refund({ method: 'qr', amountTenge: 300, transactionId })
      await t.client.cancel(abandoned.processId)
      const done = await t.client.refund({ method: 'qr', amountTenge: 300, transactionId })
      await t.confirmRefund()
      assert.equal((await t.client.status(done.processId)).status, 'success')
    },
  },
  {
    name: 'an offline terminal is unavailable for every call, and works again once back',
    needs: ['offline'],
    async run(subject) {
      const t = await subject.terminal()
      const { processId } = await t.client.startPayment(100)
      const restore = await subject.offline!(t)
      try {
        await refusal(t.client.status(processId), 'unavailable')
        await refusal(t.client.startPayment(100), 'unavailable')
        await refusal(t.client.deviceInfo(), 'unavailable')
      } finally {
        await restore()
      }
      assert.equal((await t.client.status(processId)).status, 'wait')
      await t.client.cancel(processId)
    },
  },
  {
    name: 'a terminal that never answers is a timeout after the client’s own timeout',
    needs: ['hang', 'impatientClient'],
    async run(subject) {
      const t = await subject.terminal()
      const client = subject.impatientClient!(t, 300)
      const { processId } = await client.startPayment(100)
      const restore = await subject.hang!('status')
      const started = performance.now()
      try {
        const error = await refusal(client.status(processId), 'timeout')
        assert.equal(error.retryable, true)
        assert.ok(performance.now() - started < 3000, 'the client waited far beyond its timeout')
      } finally {
        await restore()
      }
      await client.cancel(processId)
    },
  },
  {
    name: 'an empty body or an HTML page instead of the envelope is a protocol error',
    needs: ['answer'],
    async run(subject) {
      const t = await subject.terminal()
      for (const kind of ['empty', 'garbage'] as const) {
        const restore = await subject.answer!(kind)
        try {
          await refusal(t.client.startPayment(100), 'protocol')
          await refusal(t.client.status('any'), 'protocol')
        } finally {
          await restore()
        }
      }
      // Nothing was started by the unreadable answers.
      const { processId } = await t.client.startPayment(100)
      await t.client.cancel(processId)
    },
  },
  {
    name: 'an outage (503) is unavailable and retryable',
    needs: ['outage'],
    async run(subject) {
      const t = await subject.terminal()
      const restore = await subject.outage!()
      try {
        const error = await refusal(t.client.startPayment(100), 'unavailable')
        assert.equal(error.retryable, true)
        assert.equal(error.status, 503)
      } finally {
        await restore()
      }
    },
  },
])
