export { controlRoutesEnabled, listenSettings, type SimControlConfig, SimControlSettings } from './config.ts'
export { ControlError, controlBody } from './control-error.ts'
export { type BaseFaults, BaseFaultsSchema, createFaultSwitch, type FaultSwitch, type Faults } from './faults.ts'
export {
  createOperationFaults,
  type OperationFault,
  OperationFaultSchema,
  type OperationFaults,
  type OperationState,
} from './operations.ts'
export { createRequestLog, type LoggedRequest, type RequestLog } from './request-log.ts'
export { SIM_PREFIX } from './routes.ts'
export {
  type RunnableSimulator,
  type RunningSimulator,
  runSimulator,
  runStandalone,
  type SimulatorApp,
} from './runner.ts'
export {
  createSimKit,
  type FaultDecision,
  type SimKit,
  type SimKitOptions,
  type SimRouteConfig,
  simOperation,
} from './sim-kit.ts'
