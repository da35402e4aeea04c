import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Type } from 'typebox'
import { ControlError, controlBody } from '../src/index.ts'

const Latency = Type.Object({ latencyMs: Type.Integer({ minimum: 0 }) }, { additionalProperties: false })
const Empty = Type.Object({}, { additionalProperties: false })

test('a control body matching its schema is returned; no body at all counts as {}', () => {
  assert.deepEqual(controlBody(Latency, { latencyMs: 5 }), { latencyMs: 5 })
  assert.deepEqual(controlBody(Empty, undefined), {})
  assert.deepEqual(controlBody(Empty, null), {})
})

test('a misspelt field, a wrong type or a body that is not an object is a 400 INVALID_BODY naming the problem', () => {
  const refusal = (value: unknown) => {
    try {
      controlBody(Latency, value)
    } catch (error) {
      assert.ok(error instanceof ControlError)
      return { status: error.httpStatus, code: error.code, message: error.message }
    }
    assert.fail('accepted')
  }
  assert.deepEqual(refusal([1]), { status: 400, code: 'INVALID_BODY', message: 'body must be a JSON object' })
  assert.equal(refusal('text').code, 'INVALID_BODY')
  assert.match(refusal({ latencyMs: 5, latncy: 1 }).message, /latncy|additional/i)
  assert.match(refusal({ latencyMs: -1 }).message, /^latencyMs: /)
})
