export { buildKaspiSimulatorApp, type KaspiSimulatorApp, type KaspiSimulatorOptions } from './app.ts'
export { KaspiFaultSwitches, type KaspiSimContext } from './context.ts'
export { KaspiSimulatorConfig, kaspiSimulator, kaspiSimulatorFromEnv } from './env.ts'
export { TERMINAL_ERRORS, type TerminalErrorCode } from './errors.ts'
export { qrDataOf } from './routes/camera.ts'
export { kaspiSimulatorService } from './service.ts'
export {
  defaultAccessToken,
  type Process,
  type Terminal,
  type TerminalState,
  type Transaction,
} from './terminals.ts'
