import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  ConnectorError,
  connectorErrorFromOutbound,
  connectorErrorFromStatus,
  connectorErrorKindOfStatus,
  connectorErrorToAppError,
} from '../src/connector-error.ts'
import { AppError, coreErrors, errorClass } from '../src/errors.ts'
import { toErrorResponse } from '../src/http.ts'
import { OutboundError } from '../src/outbound.ts'

const shopErrors = {
  ...coreErrors,
  BANK_UNAVAILABLE: { status: 503, message: 'The bank is unavailable' },
  CARD_DECLINED: { status: 422, message: 'The card was declined' },
} as const
const ShopError = errorClass(shopErrors, 'ShopError')

test('statuses read as kinds: auth, unavailable, rejected, protocol', () => {
  const kinds = Object.fromEntries(
    [200, 302, 400, 401, 403, 404, 408, 409, 422, 425, 429, 500, 503].map((s) => [s, connectorErrorKindOfStatus(s)]),
  )
  assert.deepEqual(kinds, {
    200: 'protocol',
    302: 'protocol',
    400: 'rejected',
    401: 'auth',
    403: 'auth',
    404: 'rejected',
    408: 'unavailable',
    409: 'rejected',
    422: 'rejected',
    425: 'unavailable',
    429: 'unavailable',
    500: 'unavailable',
    503: 'unavailable',
  })
  const error = connectorErrorFromStatus('bank', 'charge', { status: 422 }, 'E042')
  assert.equal(error.message, 'bank charge: HTTP 422')
  assert.deepEqual([error.kind, error.retryable, error.partnerCode, error.status], ['rejected', false, 'E042', 422])
})

test('a transport failure is a timeout or unavailable, both retryable, with the transport error as its cause', () => {
  const timeout = new OutboundError('bank', 'charge', 'timeout')
  const open = new OutboundError('bank', 'status', 'circuit-open')
  assert.deepEqual(
    [connectorErrorFromOutbound(timeout).kind, connectorErrorFromOutbound(timeout).retryable],
    ['timeout', true],
  )
  const unavailable = connectorErrorFromOutbound(open)
  assert.deepEqual(
    [unavailable.kind, unavailable.retryable, unavailable.message],
    ['unavailable', true, 'bank status: circuit-open'],
  )
  assert.equal(unavailable.cause, open)
})

test('at the service edge each kind becomes the service’s code, with what an operator needs in details', () => {
  const codes = { unavailable: 'BANK_UNAVAILABLE', timeout: 'BANK_UNAVAILABLE', rejected: 'CARD_DECLINED' } as const
  const declined = connectorErrorToAppError(
    connectorErrorFromStatus('bank', 'charge', { status: 402 }, '51'),
    ShopError,
    codes,
  )
  assert.ok(declined instanceof ShopError && declined instanceof AppError)
  assert.equal(declined.code, 'CARD_DECLINED')
  assert.deepEqual(declined.details, {
    reason: 'bank charge: HTTP 402',
    connector: 'bank',
    operation: 'charge',
    kind: 'rejected',
    partner_code: '51',
  })
  const { status, body } = toErrorResponse(declined, shopErrors)
  assert.equal(status, 422)
  assert.equal(body.error.code, 'CARD_DECLINED')

  // Kinds the service does not map fall back to core's codes.
  const auth = connectorErrorToAppError(
    new ConnectorError({ connector: 'bank', operation: 'charge', kind: 'auth' }),
    ShopError,
    codes,
  )
  assert.equal(auth.code, 'CONNECTOR_UNAVAILABLE')
  assert.equal(toErrorResponse(auth, shopErrors).status, 503)
  const rejected = connectorErrorToAppError(connectorErrorFromStatus('bank', 'x', { status: 400 }), ShopError)
  assert.equal(rejected.code, 'CONNECTOR_REJECTED')

  // Anything that is not a connector error passes through, so a catch block can hand everything to it.
  const other = new RangeError('bug')
  assert.equal(connectorErrorToAppError(other, ShopError, codes), other)
})

test('a connector may mark a refusal as retryable', () => {
  const error = new ConnectorError({ connector: 'bank', operation: 'charge', kind: 'rejected', retryable: true })
  assert.equal(error.retryable, true)
  assert.equal(error.message, 'bank charge: rejected')
})
