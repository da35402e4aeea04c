import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { codesOf, DEMO, startWebkassaSimulator, token } from './helpers.ts'

/**
 * Text fields with a lone UTF-16 surrogate (an escaped `\ud800` that JSON.parse lets through): code 9 naming the
 * field, like a control character, never a fiscalized receipt whose name is no text. A well-formed pair passes.
 */
let sim: Awaited<ReturnType<typeof startWebkassaSimulator>>
let t: string
before(async () => {
  sim = await startWebkassaSimulator()
  t = await token(sim.url)
})
after(() => sim.close())

async function check(name: string, external: string) {
  const body = `{"Token":"${t}","CashboxUniqueNumber":"${DEMO.cashboxes[0]}","OperationType":2,"RoundType":2,
    "ExternalCheckNumber":"${external}","Payments":[{"Sum":1,"PaymentType":1}],
    "Positions":[{"Count":1,"Price":1,"Tax":0,"TaxPercent":0,"TaxType":0,"PositionName":"${name}","UnitCode":796}]}`
  const response = await fetch(`${sim.url}/api/v4/check`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': DEMO.apiKey },
    body,
  })
  return { status: response.status, json: await response.json() }
}

test('a lone surrogate in a position name is refused with code 9; a surrogate pair is text', async () => {
  for (const [i, name] of ['\\ud800', 'a\\udfff', '\\udbffb'].entries()) {
    const answer = await check(name, `lone-${i}`)
    assert.ok(answer.status < 500)
    assert.deepEqual(codesOf(answer), [9], `${name}: ${JSON.stringify(answer.json)}`)
    assert.match(answer.json.Errors[0].Text, /PositionName/)
  }
  const pair = await check('Билет \\ud83d\\ude00', 'pair-1')
  assert.equal(typeof pair.json.Data?.CheckNumber, 'string', JSON.stringify(pair.json))
})
