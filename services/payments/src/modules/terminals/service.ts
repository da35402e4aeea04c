import { PaymentsError } from '../../errors.ts'
import { isUniqueViolation, type TerminalRepository, type TerminalView } from './repository.ts'

export interface NewTerminal {
  name: string
  baseUrl: string
  accessToken: string
  cameraId: string
  enabled?: boolean
}

/** Operators' management of the terminals: add, list with their state, disable and enable. */
export function createTerminalAdmin({ terminals }: { terminals: TerminalRepository }) {
  async function setEnabled(id: number, enabled: boolean): Promise<TerminalView> {
    const terminal = await terminals.setEnabled(id, enabled)
    if (!terminal) throw new PaymentsError('TERMINAL_NOT_FOUND')
    return terminal
  }
  return {
    async add(input: NewTerminal): Promise<TerminalView> {
      try {
        return await terminals.insertTerminal({ ...input, enabled: input.enabled ?? true })
      } catch (error) {
        if (isUniqueViolation(error)) throw new PaymentsError('TERMINAL_NAME_TAKEN')
        throw error
      }
    },
    list: () => terminals.listTerminals(),
    /** A disabled terminal takes no new payment; one it is showing now still finishes (or times out). */
    disable: (id: number) => setEnabled(id, false),
    enable: (id: number) => setEnabled(id, true),
  }
}

export type TerminalAdmin = ReturnType<typeof createTerminalAdmin>
