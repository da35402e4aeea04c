import { fetchJson } from '@kokdala/core/testing'
import { cameraReader, control, startKaspiSimulator, terminalClient } from './helpers.ts'
import { type KaspiTerminalSubject, kaspiTerminalContract, type TerminalUnderTest } from './terminal-contract.ts'

kaspiTerminalContract('the simulator over HTTP', async (): Promise<KaspiTerminalSubject> => {
  const sim = await startKaspiSimulator()
  const url = sim.url
  const clients: { close(): Promise<void> }[] = []
  let next = 0
  const ids = new WeakMap<TerminalUnderTest, string>()

  async function restoring(path: string, body: unknown, undo: () => Promise<unknown>) {
    const answer = await fetchJson(url, path.startsWith('PUT ') ? 'PUT' : 'POST', path.replace(/^PUT /, ''), body)
    if (answer.status >= 300) throw new Error(`${path}: ${answer.status}`)
    return async () => {
      await undo()
    }
  }

  return {
    async terminal() {
      next++
      const id = `contract-${next}`
      const accessToken = `token-${next}`
      await control(url, '/__sim/terminals', { id, accessToken })
      const terminal: TerminalUnderTest = {
        client: terminalClient(url, id, accessToken, clients),
        clientWithToken: (token) => terminalClient(url, id, token, clients),
        qr: cameraReader(url, clients),
        cameraId: id,
        pay: async (input = {}) => void (await control(url, `/__sim/terminals/${id}/pay`, input)),
        decline: async () => void (await control(url, `/__sim/terminals/${id}/fail`)),
        walkAway: async (status = 'wait') => void (await control(url, `/__sim/terminals/${id}/walk-away`, { status })),
        confirmRefund: async () => void (await control(url, `/__sim/terminals/${id}/confirm-refund`)),
      }
      ids.set(terminal, id)
      return terminal
    },
    async offline(terminal) {
      const id = ids.get(terminal)!
      await control(url, `/__sim/terminals/${id}/offline`)
      return async () => void (await control(url, `/__sim/terminals/${id}/online`))
    },
    hang: (operation) =>
      restoring(`PUT /__sim/operations/${operation}`, { timeout: true }, () =>
        fetchJson(url, 'DELETE', `/__sim/operations/${operation}`),
      ),
    answer: (kind) =>
      restoring('/__sim/faults', { answer: kind }, () => fetchJson(url, 'POST', '/__sim/faults', { answer: 'normal' })),
    outage: () =>
      restoring('/__sim/faults', { outage: true }, () => fetchJson(url, 'POST', '/__sim/faults', { outage: false })),
    impatientClient: (terminal, timeoutMs) =>
      terminalClient(url, ids.get(terminal)!, `token-${ids.get(terminal)!.split('-')[1]}`, clients, {
        timeoutMs,
        retries: 0,
      }),
    async close() {
      for (const client of clients) await client.close()
      await sim.close()
    },
  }
})
