import type { Tiyn } from '@kokdala/core'

/**
 * A tenge amount Webkassa sent (a history row's `Total`) as tiyn, to the nearest tiyn. Not the package's strict
 * `tengeToTiyn`: this is a foreign answer read during recovery, where a float artefact must not stop the lookup;
 * what we send is always exact (`tiynToTenge` of `@kokdala/webkassa`).
 */
export function tiynOfWire(tenge: number): Tiyn {
  if (typeof tenge !== 'number' || !Number.isFinite(tenge)) throw new RangeError(`not a tenge amount: ${tenge}`)
  return BigInt(Math.round(tenge * 100))
}
