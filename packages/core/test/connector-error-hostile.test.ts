import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ConnectorError, connectorErrorToAppError } from '../src/connector-error.ts'
import { coreErrors, errorClass } from '../src/errors.ts'
import { toErrorResponse } from '../src/http.ts'

const ShopError = errorClass(coreErrors, 'ShopError')

test("a hostile partner's huge code and message reach our client clipped, not whole", () => {
  const error = new ConnectorError(
    { connector: 'bank', operation: 'pay', kind: 'rejected', partnerCode: 'E'.repeat(1_000_000) },
    `bank pay: ${'<script>'.repeat(100_000)}`,
  )
  const { status, body } = toErrorResponse(connectorErrorToAppError(error, ShopError), coreErrors)
  assert.equal(status, 422)
  const text = JSON.stringify(body)
  assert.ok(text.length < 1_000, `${text.length} characters`)
  const details = body.error.details as { partner_code: string; reason: string }
  assert.ok(details.partner_code.startsWith('EEEE'))
  assert.ok(details.reason.startsWith('bank pay: <script>'))
})

test('ordinary codes and reasons pass unchanged', () => {
  const error = new ConnectorError({ connector: 'bank', operation: 'pay', kind: 'rejected', partnerCode: '1002' })
  const { body } = toErrorResponse(connectorErrorToAppError(error, ShopError), coreErrors)
  assert.deepEqual(body.error.details, {
    reason: 'bank pay: rejected',
    connector: 'bank',
    operation: 'pay',
    kind: 'rejected',
    partner_code: '1002',
  })
})
