export {
  buildWebkassaSimulatorApp,
  type WebkassaSimAccount,
  type WebkassaSimulatorApp,
  type WebkassaSimulatorOptions,
} from './app.ts'
export { createSimClock, type SimClock } from './clock.ts'
export { WebkassaFaultSwitches, type WebkassaFaults, type WebkassaSimContext } from './context.ts'
export { WEBKASSA_SIM_DEMO, WebkassaSimulatorConfig, webkassaSimulator, webkassaSimulatorFromEnv } from './env.ts'
export { ERROR_TEXTS, WebkassaSimError } from './errors.ts'
export { createInProcessWebkassaClient } from './in-process.ts'
export { webkassaSimulatorService } from './service.ts'
export {
  createWebkassaSim,
  DEFAULT_SIM_POLICY,
  OFFLINE_LIMIT_MS,
  SHIFT_LIMIT_MS,
  type SimPolicy,
  type WebkassaSim,
} from './simulator.ts'
export { type StartedWebkassaSimulator, startWebkassaSimulator } from './start.ts'
