import { fetchJson } from '@kokdala/core/testing'
import { WEBKASSA_SIM_DEMO } from '../src/env.ts'

export { startWebkassaSimulator } from '../src/start.ts'

// biome-ignore lint/suspicious/noExplicitAny: test answers are read field by field, as the tests assert them
export type Json = any

export const DEMO = WEBKASSA_SIM_DEMO
export const CASHBOX = DEMO.cashboxes[0]

/** A raw API call: POST JSON (or a raw string) with the demo key unless `headers` says otherwise. */
export async function post(
  url: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = { 'x-api-key': DEMO.apiKey },
): Promise<{ status: number; text: string; json: Json; headers: Headers }> {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  const text = await response.text()
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: response.status, text, json, headers: response.headers }
}

/** A token of the demo account. */
export async function token(url: string): Promise<string> {
  const answer = await post(url, '/api/v4/Authorize', { Login: DEMO.login, Password: DEMO.password })
  if (!answer.json?.Data?.Token) throw new Error(`authorize: ${answer.text}`)
  return answer.json.Data.Token
}

/** A control call, failing on anything but 2xx. */
export async function control(url: string, method: string, path: string, body?: unknown) {
  const answer = await fetchJson(url, method, path, body)
  if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.json)}`)
  return answer.json
}

/** A valid one-line sale of 500 ₸ at 16 % VAT, paid by mobile. */
export function saleBody(tokenValue: string, external: string, cashbox: string = CASHBOX) {
  return {
    Token: tokenValue,
    CashboxUniqueNumber: cashbox,
    OperationType: 2,
    Positions: [
      { Count: 1, Price: 500, TaxPercent: 16, Tax: 68.97, TaxType: 100, PositionName: 'Билет', UnitCode: 796 },
    ],
    Payments: [{ Sum: 500, PaymentType: 4 }],
    ExternalCheckNumber: external,
  }
}

/** The codes of an answer's `Errors`, or [] when it has none. */
export function codesOf(answer: { json: Json }): number[] {
  return (answer.json?.Errors ?? []).map((error: { Code: number }) => error.Code)
}
