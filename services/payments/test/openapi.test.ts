import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { before, describe, test } from 'node:test'
import { formatOpenApi, generatePaymentsOpenApi, openApiPath } from '../scripts/write-openapi.ts'

type Schema = Record<string, unknown>
type Document = { paths: Record<string, Record<string, Schema>> }

/** Every property name a schema can hold, through nesting, arrays and unions (`data.transaction_id`). */
function fields(schema: unknown, prefix = '', out = new Set<string>()): Set<string> {
  if (!schema || typeof schema !== 'object') return out
  const s = schema as Schema
  for (const key of ['anyOf', 'oneOf', 'allOf'])
    for (const part of (s[key] as unknown[]) ?? []) fields(part, prefix, out)
  if (s.items) fields(s.items, prefix, out)
  for (const [name, sub] of Object.entries((s.properties as Record<string, unknown>) ?? {})) {
    out.add(`${prefix}${name}`)
    fields(sub, `${prefix}${name}.`, out)
  }
  return out
}

const json = (op: Schema, status?: string) =>
  status
    ? ((op.responses as Schema)[status] as { content: { 'application/json': { schema: unknown } } }).content[
        'application/json'
      ].schema
    : (op.requestBody as { content: { 'application/json': { schema: unknown } } }).content['application/json'].schema

/** The seed's request and response examples, field by field (seeds/002, «Создание платежа» … «Kaspi оплата»). */
const SEED = {
  'post /api/payment/init': {
    request: [
      'amount',
      'currency',
      'description',
      'customer_name',
      'customer_phone',
      'customer_email',
      'payment_method_id',
      'webhook_url',
      'webhook_secret',
      'metadata',
    ],
    201: [
      'success',
      'message',
      'data.transaction_id',
      'data.amount',
      'data.currency',
      'data.status',
      'data.expires_at',
    ],
  },
  'get /api/payment/{id}': {
    200: [
      'success',
      'data.transaction_id',
      'data.amount',
      'data.currency',
      'data.status',
      'data.description',
      'data.payment_url',
      'data.qr_code',
      'data.paid_amount',
      'data.remaining_amount',
      'data.created_at',
      'data.paid_at',
    ],
  },
  'get /api/payment-methods/active': {
    200: [
      'success',
      'data.id',
      'data.code',
      'data.name',
      'data.type',
      'data.provider',
      'data.country_id',
      'data.payment_currency',
      'data.icon_emoji',
      'data.commission_percent',
      'data.has_credit',
      'data.credit_commission_percent',
      'data.has_installment',
      'data.installment_months',
      'data.installment_commission_percent',
      'data.add_commission_to_amount',
    ],
  },
  'post /api/payment/{id}/kaspi': {
    request: ['payment_method'],
    200: [
      'success',
      'message',
      'data.transaction_id',
      'data.amount',
      'data.original_amount',
      'data.commission_amount',
      'data.commission_percent',
      'data.payment_url',
      'data.qr_code',
      'data.terminal_id',
    ],
  },
  'get /api/payment/{id}/status': {
    200: ['success', 'data.transaction_id', 'data.status', 'data.amount', 'data.paid_amount', 'data.remaining_amount'],
  },
  'post /api/payment/{id}/cancel': { 200: ['success'] },
} as const

describe('the committed OpenAPI document', () => {
  let generated: Record<string, unknown>
  before(async () => {
    generated = await generatePaymentsOpenApi()
  })

  test('is what the routes generate (run `node services/payments/scripts/write-openapi.ts` after API changes)', () => {
    assert.equal(readFileSync(openApiPath, 'utf8'), formatOpenApi(generated))
  })

  test('has every seed endpoint and every field of the seed’s request and response examples', () => {
    const document = generated as Document
    for (const [operation, parts] of Object.entries(SEED)) {
      const [method, path] = operation.split(' ')
      const op = document.paths[path]?.[method]
      assert.ok(op, `${operation} is missing`)
      for (const [part, names] of Object.entries(parts)) {
        const present = fields(part === 'request' ? json(op) : json(op, part))
        for (const name of names) assert.ok(present.has(name), `${operation} ${part}: ${name} is missing`)
      }
    }
  })

  test('documents the seed’s error envelope on the payment endpoints, with amounts as numbers', () => {
    const document = generated as Document
    const init = document.paths['/api/payment/init'].post
    const error = fields(json(init, '400'))
    for (const name of ['success', 'message', 'error_code', 'code']) assert.ok(error.has(name), name)
    const amount = (json(init, '201') as { properties: { data: { properties: { amount: Schema } } } }).properties.data
      .properties.amount
    assert.equal(amount.type, 'number')
    assert.ok(init.security, 'init names X-API-Token')
  })
})
