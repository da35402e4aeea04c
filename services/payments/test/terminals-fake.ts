import { setTimeout as sleep } from 'node:timers/promises'
import { ConnectorError } from '@kokdala/core'
import type {
  KaspiStatus,
  KaspiTerminalClient,
  QrReader,
  TerminalClientFactory,
} from '../src/modules/terminals/client.ts'

/** A process on a fake terminal: what its status answers. */
interface FakeProcess {
  processId: string
  amount: number
  data: KaspiStatus
}

interface FakeTerminal {
  online: boolean
  processes: Map<string, FakeProcess>
  /** The process on screen: a second payment while one waits is the double lease the pool must never cause. */
  showing?: string
  calls: Record<string, number>
  refunds: { method: string; amountTenge: number; transactionId: string; accessToken: string }[]
}

/**
 * Kaspi terminals in memory, reached at `fake://<name>`, for the pool's unit tests: counts every call, refuses a
 * payment while another waits on screen (as a real terminal does) and records that as a double lease.
 */
export function createFakeFleet({ latencyMs = 5 } = {}) {
  const terminals = new Map<string, FakeTerminal>()
  const doubleLeases: string[] = []
  let nextProcess = 1

  function terminal(name: string): FakeTerminal {
    let found = terminals.get(name)
    if (!found) {
      found = { online: true, processes: new Map(), calls: {}, refunds: [] }
      terminals.set(name, found)
    }
    return found
  }

  function offline(name: string, operation: string): ConnectorError {
    return new ConnectorError({ connector: `fake ${name}`, operation, kind: 'unavailable' }, `${name} is offline`)
  }

  const clientFor: TerminalClientFactory = ({ baseUrl, accessToken }) => {
    const name = baseUrl.replace('fake://', '')
    const t = terminal(name)
    async function call<T>(operation: string, fn: () => T): Promise<T> {
      t.calls[operation] = (t.calls[operation] ?? 0) + 1
      await sleep(latencyMs)
      if (!t.online) throw offline(name, operation)
      return fn()
    }
    const processOf = (operation: string, processId: string) => {
      const process = t.processes.get(processId)
      if (!process) {
        throw new ConnectorError({ connector: name, operation, kind: 'rejected', partnerCode: '-1' }, 'no process')
      }
      return process
    }
    const client: KaspiTerminalClient = {
      startPayment: (amount) =>
        call('payment', () => {
          const current = t.showing ? t.processes.get(t.showing) : undefined
          if (current?.data.status === 'wait') {
            doubleLeases.push(name)
            throw new ConnectorError({ connector: name, operation: 'payment', kind: 'rejected' }, 'terminal is busy')
          }
          const processId = `p${nextProcess++}`
          t.processes.set(processId, { processId, amount, data: { status: 'wait' } })
          t.showing = processId
          return { processId }
        }),
      status: (processId) => call('status', () => ({ ...processOf('status', processId).data })),
      actualize: (processId) => call('actualize', () => ({ ...processOf('actualize', processId).data })),
      cancel: (processId) =>
        call('cancel', () => {
          const process = processOf('cancel', processId)
          if (process.data.status === 'wait') process.data = { status: 'fail', subStatus: 'cancelled' }
        }),
      refund: (input) =>
        call('refund', () => {
          t.refunds.push({ ...input, accessToken })
          return { processId: `r${nextProcess++}` }
        }),
      deviceInfo: () => call('deviceinfo', () => ({ serial: name })),
      close: async () => {},
    }
    return client
  }

  const qrReader: QrReader = {
    async readQr({ processId }) {
      await sleep(latencyMs)
      return `https://qr.kaspi.kz/${processId}`
    },
  }

  return {
    clientFor,
    qrReader,
    doubleLeases,
    terminal,
    /** The customer pays the process: `amount` whole tenge with `productType` (defaults: the asked amount, Gold). */
    pay(name: string, processId: string, paid: Partial<KaspiStatus> & { productType?: string } = {}) {
      const process = terminal(name).processes.get(processId)
      if (!process) throw new Error(`no process ${processId} on ${name}`)
      const { productType = 'Gold', ...rest } = paid
      process.data = {
        status: 'success',
        amount: process.amount,
        transactionId: `tx-${processId}`,
        chequeInfo: { method: 'qr', amount: `${process.amount} ₸` },
        addInfo: { ProductType: productType },
        ...rest,
      }
    },
    decline(name: string, processId: string) {
      const process = terminal(name).processes.get(processId)
      if (process) process.data = { status: 'fail', subStatus: 'declined' }
    },
    calls(name: string, operation: string): number {
      return terminal(name).calls[operation] ?? 0
    },
    totalCalls(operation: string): number {
      return [...terminals.values()].reduce((sum, t) => sum + (t.calls[operation] ?? 0), 0)
    },
  }
}

export type FakeFleet = ReturnType<typeof createFakeFleet>
