import { type Static, type TInteger, type TObject, type TString, Type } from 'typebox'

type ListenSettings<P extends string> = { [K in `${P}_PORT`]: TInteger } & { [K in `${P}_HOST`]: TString }

/**
 * The environment variables that say where a simulator listens, `<PREFIX>_PORT` and `<PREFIX>_HOST`, as TypeBox
 * properties to spread into the simulator's config schema (read with core `loadConfig`).
 */
export function listenSettings<P extends string>(prefix: P, defaultPort: number): ListenSettings<P> {
  return {
    [`${prefix}_PORT`]: Type.Integer({ minimum: 0, maximum: 65_535, default: defaultPort }),
    [`${prefix}_HOST`]: Type.String({ minLength: 1, default: '127.0.0.1' }),
  } as ListenSettings<P>
}

/** Settings every simulator shares, to spread into its config schema: who may drive its `/__sim` controls. */
export const SimControlSettings = {
  /** `on`/`off` forces the `/__sim` control routes; unset, they exist everywhere but in production. */
  SIM_CONTROL: Type.Optional(Type.Union([Type.Literal('on'), Type.Literal('off')])),
  NODE_ENV: Type.Optional(Type.String()),
}

export type SimControlConfig = Static<TObject<typeof SimControlSettings>>

/**
 * Whether the fault switch may be driven over HTTP. A simulator run as a shared fixture (`NODE_ENV=production`)
 * keeps it closed unless `SIM_CONTROL=on` says otherwise: anyone who could reach it could take the "partner" down
 * for everybody.
 */
export function controlRoutesEnabled(config: SimControlConfig): boolean {
  if (config.SIM_CONTROL !== undefined) return config.SIM_CONTROL === 'on'
  // Closed unless the environment plainly says development or test: 'Production', 'prod' or 'staging' are shared
  // fixtures too, and a spelling nobody foresaw must not open the switch.
  return OPEN_ENVIRONMENTS.has((config.NODE_ENV ?? '').trim().toLowerCase())
}

/** NODE_ENV values (lower-cased) under which the controls are on by default; unset counts as development. */
const OPEN_ENVIRONMENTS = new Set(['', 'development', 'dev', 'test'])
