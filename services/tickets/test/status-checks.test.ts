import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { GatewayPaymentStatus } from '../src/modules/payments/gateway.ts'
import { createStatusChecks } from '../src/modules/payments/status-checks.ts'

/** A gateway whose answers the test releases one at a time; it records when each check started. */
function fakeGateway() {
  const started: Array<{ id: string; resolve: (status: GatewayPaymentStatus) => void }> = []
  return {
    started,
    check: (id: string) =>
      new Promise<GatewayPaymentStatus>((resolve) => {
        started.push({ id, resolve })
      }),
  }
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5))

describe('gateway status checks, coalesced per payment', () => {
  test('callers during a check share one follow-up check that starts after them: no news is missed', async () => {
    const gateway = fakeGateway()
    const checks = createStatusChecks({ check: gateway.check, intervalMs: 0 })
    const early = checks.status('p1')
    await tick()
    assert.equal(gateway.started.length, 1)
    // The buyer pays now; three webhooks and callbacks arrive while the first check is still out.
    const late = [checks.status('p1'), checks.status('p1'), checks.status('p1')]
    await tick()
    assert.equal(gateway.started.length, 1, 'they wait for the check under way instead of starting their own')
    gateway.started[0].resolve('PENDING')
    assert.equal(await early, 'PENDING')
    await tick()
    assert.equal(gateway.started.length, 2, 'one follow-up check for all three')
    gateway.started[1].resolve('AUTHORIZED')
    assert.deepEqual(await Promise.all(late), ['AUTHORIZED', 'AUTHORIZED', 'AUTHORIZED'])
  })

  test('at most one check of a payment per interval; a settled answer is reused within it, PENDING is not', async () => {
    const gateway = fakeGateway()
    let now = 1_000
    const checks = createStatusChecks({ check: gateway.check, intervalMs: 40, now: () => now })
    const first = checks.status('p1')
    gateway.started[0].resolve('PENDING')
    assert.equal(await first, 'PENDING')
    // Too soon after the last check: this one is queued until the interval has passed.
    now += 10
    const second = checks.status('p1')
    await tick()
    assert.equal(gateway.started.length, 1)
    now += 30
    await new Promise((resolve) => setTimeout(resolve, 50))
    assert.equal(gateway.started.length, 2)
    gateway.started[1].resolve('AUTHORIZED')
    assert.equal(await second, 'AUTHORIZED')
    // Money held: a settled answer, reused for the rest of the interval without asking again.
    now += 5
    assert.equal(await checks.status('p1'), 'AUTHORIZED')
    assert.equal(gateway.started.length, 2)
    // Other payments are not held up by this one.
    const other = checks.status('p2')
    assert.equal(gateway.started.length, 3)
    gateway.started[2].resolve('FAILED')
    assert.equal(await other, 'FAILED')
  })

  test('a failed check fails its callers and is not reused', async () => {
    let calls = 0
    const checks = createStatusChecks({
      check: async () => {
        calls++
        if (calls === 1) throw new Error('gateway down')
        return 'PAID'
      },
      intervalMs: 0,
    })
    await assert.rejects(checks.status('p1'), /gateway down/)
    assert.equal(await checks.status('p1'), 'PAID')
  })
})
