import { fetchJson } from '@kokdala/core/testing'
import { createCameraQrReader, createKaspiTerminalClient, type KaspiTerminalClient } from '@kokdala/kaspi'
import { runSimulator } from '@kokdala/sim-kit'
import { buildKaspiSimulatorApp, type KaspiSimulatorOptions } from '../src/app.ts'

/** The simulator on a free port, closed by the caller. */
export async function startKaspiSimulator(options: KaspiSimulatorOptions = {}) {
  const running = await runSimulator({
    name: 'kaspi',
    host: '127.0.0.1',
    port: 0,
    build: () => buildKaspiSimulatorApp(options),
  })
  return running
}

/** POST to a control route, failing the test on anything but 2xx. */
export async function control(baseUrl: string, path: string, body?: unknown) {
  const answer = await fetchJson(baseUrl, 'POST', path, body)
  if (answer.status >= 300) throw new Error(`${path}: ${answer.status} ${JSON.stringify(answer.json)}`)
  return answer.json
}

/** A client of terminal `id` on the simulator at `baseUrl`, collected in `clients` for closing. */
export function terminalClient(
  baseUrl: string,
  id: string,
  accessToken: string,
  clients: { close(): Promise<void> }[],
  extra: { timeoutMs?: number; retries?: number } = {},
): KaspiTerminalClient {
  const client = createKaspiTerminalClient({
    baseUrl: `${baseUrl}/terminals/${id}`,
    accessToken,
    timeoutMs: extra.timeoutMs ?? 3000,
    retries: extra.retries,
    // The contract takes terminals offline on purpose; an open breaker would hide the next case's answers.
    breaker: { failureThreshold: 1000 },
  })
  clients.push(client)
  return client
}

export function cameraReader(baseUrl: string, clients: { close(): Promise<void> }[]) {
  const reader = createCameraQrReader({ baseUrl: `${baseUrl}/camera`, scanTimeoutMs: 200 })
  clients.push(reader)
  return reader
}
