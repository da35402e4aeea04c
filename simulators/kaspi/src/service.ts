import { bindRuntime, createRuntime, defineService } from '@kokdala/core'
import { buildKaspiSimulatorApp } from './app.ts'
import { kaspiSimulatorFromEnv } from './env.ts'

type KaspiSimulatorSettings = ReturnType<typeof kaspiSimulatorFromEnv>

/** The Kaspi terminals simulator as the platform's tools see it; it keeps its state in memory. */
export const kaspiSimulatorService = defineService<KaspiSimulatorSettings>({
  name: 'kaspi',
  role: 'simulator',
  loadConfig: (env) => kaspiSimulatorFromEnv(env),
  address: ({ host, port, url }) => ({ host, port, url }),
  portVariable: 'KASPI_SIM_PORT',
  // `kokdala start` is for trying things: a customer who pays 3 s after the QR appears, so no human is needed.
  profiles: { demo: { KASPI_SIM_AUTO_PAY_MS: '3000' } },
  /** A service started beside it finds the terminals (`/terminals/<id>`) and the camera (`/camera`) here. */
  wire(env) {
    const { url } = kaspiSimulatorFromEnv(env)
    env.KASPI_SIMULATOR_URL ??= url
  },
  async build({ config }) {
    const app = await buildKaspiSimulatorApp(config.options)
    const runtime = createRuntime(app.log)
    bindRuntime(app, runtime)
    return { app, runtime }
  },
  describe: ({ url, options }) => [
    `${url}/terminals/1/v2/deviceinfo   ${options.terminals?.length ?? 0} terminals   camera ${url}/camera/scan-qr/1`,
    `controls ${url}/__sim/terminals${options.autoPayMs ? `   auto-pay after ${options.autoPayMs} ms` : ''}`,
  ],
})
