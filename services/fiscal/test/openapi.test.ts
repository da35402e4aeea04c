import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { before, describe, test } from 'node:test'
import { formatOpenApi, generateFiscalOpenApi, openApiPath } from '../scripts/write-openapi.ts'

type Schema = Record<string, unknown>
type Document = { paths: Record<string, Record<string, Schema>> }

/** The operations issue 11 asks for: receipts in and out, cashboxes and their reports, the token's status. */
const OPERATIONS = [
  'post /api/payment-events',
  'post /api/receipts',
  'get /api/receipts',
  'get /api/receipts/{id}',
  'post /api/receipts/{id}/retry',
  'get /api/cashboxes',
  'post /api/cashboxes/{znk}/x-report',
  'get /api/cashboxes/{znk}/reports/{id}',
  'get /api/token/status',
  'post /api/token/refresh',
]

describe('the committed fiscal OpenAPI document', () => {
  let generated: Record<string, unknown>
  before(async () => {
    generated = await generateFiscalOpenApi()
  })

  test('is what the routes generate (run `node services/fiscal/scripts/write-openapi.ts` after API changes)', () => {
    assert.equal(readFileSync(openApiPath, 'utf8'), formatOpenApi(generated))
  })

  test('has every operation of the issue, each with an operationId', () => {
    const document = generated as Document
    for (const operation of OPERATIONS) {
      const [method, path] = operation.split(' ')
      const op = document.paths[path]?.[method]
      assert.ok(op, `${operation} is missing`)
      assert.equal(typeof op.operationId, 'string', `${operation} has no operationId`)
    }
  })

  test('names the admin token on every operation but the signed payments feed', () => {
    const document = generated as Document
    for (const operation of OPERATIONS) {
      const [method, path] = operation.split(' ')
      const security = document.paths[path][method].security as unknown[] | undefined
      if (path === '/api/payment-events') assert.equal(security, undefined, 'the feed is signed, not token-guarded')
      else assert.ok(security && security.length > 0, `${operation} names no security scheme`)
    }
  })

  test('documents the error envelope { error: { code, message } } on a refused receipt', () => {
    const op = (generated as Document).paths['/api/receipts'].post
    const response = (op.responses as Schema)['400'] as { content: { 'application/json': { schema: Schema } } }
    const schema = response.content['application/json'].schema as {
      properties: { error: { properties: Record<string, unknown> } }
    }
    assert.ok(schema.properties.error.properties.code)
    assert.ok(schema.properties.error.properties.message)
  })
})
