import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { classifyCheck } from '../src/modules/receipts/outcome.ts'
import { checkRequest, type ReceiptContent } from '../src/modules/receipts/receipt.ts'
import { type SendInput, type ShiftPort, sendReceipt } from '../src/modules/receipts/sender.ts'
import { createFakeWebkassa, type FakeWebkassa, plainSession, STANDING_TOKEN } from './fake-webkassa.ts'

const CASHBOX = 'SWK00000001'
const content: ReceiptContent = {
  kind: 'sale',
  lines: [{ name: 'Билет', count: 1, priceTiyn: 500_000n, vatPercent: 16, unitCode: 796 }],
  payments: [{ type: 4, sumTiyn: 500_000n }],
}

function setup(options: { duplicateData?: boolean; oldShift?: boolean } = {}) {
  const wk = createFakeWebkassa({ duplicateData: options.duplicateData })
  const shiftLog: string[] = []
  const shifts: ShiftPort = {
    async closeIfOld(cashbox) {
      if (!options.oldShift) return { kind: 'ok' }
      shiftLog.push('closeIfOld')
      await wk.client.zReport(STANDING_TOKEN, cashbox)
      return { kind: 'ok' }
    },
    async close(cashbox) {
      shiftLog.push('close')
      const z = await wk.client.zReport(STANDING_TOKEN, cashbox)
      return z.kind === 'ok' || z.kind === 'errors' ? { kind: 'ok' } : { kind: 'retry', reason: 'z lost' }
    },
    async observed(_cashbox, shift) {
      shiftLog.push(`observed ${shift}`)
    },
  }
  const deps = { client: wk.client, session: plainSession, shifts, now: () => new Date() }
  let marks = 0
  const input = (externalNumber: string, uncertain = false, total = 500_000n): SendInput => ({
    cashbox: CASHBOX,
    externalNumber,
    request: checkRequest(content, CASHBOX, externalNumber),
    totalTiyn: total,
    uncertain,
    markSending: async () => {
      marks += 1
    },
  })
  return { wk, deps, input, shiftLog, marks: () => marks }
}

async function sendOnce(wk: FakeWebkassa, number: string) {
  await wk.client.check(STANDING_TOKEN, checkRequest(content, CASHBOX, number))
}

describe('classifying an answer to a receipt', () => {
  test('the gravest code wins and 14 beside another code is not a success', () => {
    const errors = (...codes: number[]) => ({
      kind: 'errors' as const,
      errors: codes.map((Code) => ({ Code, Text: 't' })),
    })
    assert.equal(classifyCheck(errors(14, 9)).kind, 'refused')
    assert.equal(classifyCheck(errors(11)).kind, 'close_shift')
    assert.equal(classifyCheck(errors(18)).kind, 'park')
    assert.equal(classifyCheck(errors(1)).kind, 'park')
    assert.equal(classifyCheck(errors(2)).kind, 'retry')
    assert.equal(classifyCheck(errors(-1)).kind, 'retry')
    assert.equal(classifyCheck(errors(14)).kind, 'duplicate_unseen')
    assert.equal(classifyCheck({ kind: 'unknown', reason: 'timeout' }).kind, 'lost')
  })
})

describe('sending one receipt', () => {
  test('a happy sale is fiscalized from the answer, marked sending before it leaves', async () => {
    const { wk, deps, input, marks, shiftLog } = setup()
    const result = await sendReceipt(deps, input('s-A-1'))
    assert.equal(result.kind, 'fiscalized')
    assert.equal(result.kind === 'fiscalized' && result.via, 'answer')
    assert.equal(result.kind === 'fiscalized' && result.facts.ticketUrl?.startsWith('https://'), true)
    assert.equal(marks(), 1)
    assert.deepEqual(shiftLog, ['observed 1'])
    assert.equal(wk.count('s-A-1'), 1)
  })

  test('14 with Data is success after its total matches the history', async () => {
    const { wk, deps, input } = setup({ duplicateData: true })
    await sendOnce(wk, 's-A-1')
    const result = await sendReceipt(deps, input('s-A-1'))
    assert.equal(result.kind, 'fiscalized')
    assert.equal(result.kind === 'fiscalized' && result.via, 'duplicate')
    assert.equal(result.kind === 'fiscalized' && result.facts.totalTiyn, 500_000n)
  })

  test('14 with Data of another total is a mismatch for a person, not a success', async () => {
    const { wk, deps, input } = setup({ duplicateData: true })
    await sendOnce(wk, 's-A-1')
    const result = await sendReceipt(deps, input('s-A-1', false, 400_000n))
    assert.equal(result.kind, 'mismatch')
  })

  test('14 without Data recovers the receipt by its external number, sending nothing more', async () => {
    const { wk, deps, input } = setup()
    await sendOnce(wk, 's-A-1')
    const result = await sendReceipt(deps, input('s-A-1'))
    assert.equal(result.kind, 'fiscalized')
    assert.equal(result.kind === 'fiscalized' && result.via, 'recovery')
    assert.equal(wk.calls.filter((c) => c === 'check s-A-1').length, 2)
    assert.ok(wk.calls.includes('ticket s-A-1 1'))
  })

  test('commit-then-drop: uncertain first, then recovered on the next run without a second check', async () => {
    const { wk, deps, input } = setup()
    wk.fault('commit-then-drop')
    const first = await sendReceipt(deps, input('s-A-1'))
    assert.equal(first.kind, 'uncertain')
    const checksBefore = wk.calls.filter((c) => c.startsWith('check')).length
    const second = await sendReceipt(deps, input('s-A-1', true))
    assert.equal(second.kind, 'fiscalized')
    assert.equal(second.kind === 'fiscalized' && second.via, 'recovery')
    assert.equal(wk.calls.filter((c) => c.startsWith('check')).length, checksBefore)
    assert.equal(wk.count('s-A-1'), 1)
  })

  test('a lost answer for a receipt Webkassa never got: looked up, then sent with the same number', async () => {
    const { wk, deps, input } = setup()
    await sendOnce(wk, 's-OTHER-1') // the cashbox has a shift, so the lookup has somewhere to look
    wk.fault('drop')
    assert.equal((await sendReceipt(deps, input('s-A-1'))).kind, 'uncertain')
    const second = await sendReceipt(deps, input('s-A-1', true))
    assert.equal(second.kind, 'fiscalized')
    assert.equal(second.kind === 'fiscalized' && second.via, 'answer')
    const lookupAt = wk.calls.indexOf('ticket s-A-1 1')
    const resendAt = wk.calls.lastIndexOf('check s-A-1')
    assert.ok(lookupAt >= 0 && lookupAt < resendAt, 'looked up before it was sent again')
  })

  test('code 11 closes the shift with a Z report on this cashbox and replays the same receipt once', async () => {
    const { wk, deps, input, shiftLog } = setup()
    await sendOnce(wk, 's-OTHER-1')
    wk.fault({ codes: [11] })
    const result = await sendReceipt(deps, input('s-A-1'))
    assert.equal(result.kind, 'fiscalized')
    assert.deepEqual(wk.zReports, [CASHBOX])
    assert.ok(shiftLog.includes('close'))
    assert.equal(result.kind === 'fiscalized' && result.facts.shiftNumber, 2)
  })

  test('an old shift is closed before the receipt is sent', async () => {
    const { wk, deps, input, shiftLog } = setup({ oldShift: true })
    await sendOnce(wk, 's-OTHER-1')
    await sendReceipt(deps, input('s-A-1'))
    assert.equal(shiftLog[0], 'closeIfOld')
    assert.ok(wk.calls.indexOf(`z ${CASHBOX}`) < wk.calls.lastIndexOf('check s-A-1'))
  })

  test('18 parks the cashbox; 9 fails the receipt with the reason', async () => {
    const { wk, deps, input } = setup()
    wk.fault({ codes: [18] }, { codes: [9] })
    const parked = await sendReceipt(deps, input('s-A-1'))
    assert.deepEqual(parked.kind === 'park' && [parked.kind, parked.code], ['park', 18])
    const failed = await sendReceipt(deps, input('s-A-1'))
    assert.equal(failed.kind, 'failed')
    assert.match(failed.kind === 'failed' ? failed.reason : '', /^9: /)
    assert.equal(wk.count('s-A-1'), 0)
  })
})
