import { after, before, describe, test } from 'node:test'

/** Something a contract runs against: the implementation plus whatever drives it from the outside. */
export interface ContractSubject {
  close?(): Promise<unknown> | unknown
}

/** One row of a contract's matrix: what every implementation must do. */
export interface ContractCase<S extends ContractSubject> {
  name: string
  /**
   * Optional capabilities of the subject this case needs (e.g. `limits`, `outage`). An implementation without them
   * skips the case, and the skip says why, rather than passing it silently.
   */
  needs?: (keyof S)[]
  run(subject: S): Promise<void>
}

/**
 * Defines a contract suite: one matrix of cases that every implementation of an interface must pass, whether it
 * talks to a simulator, a real partner's sandbox or lives in-process. Returns the function each implementation's
 * test calls with its name and a factory for its subject; the subject is built once per implementation (cases
 * use fresh ids, not a fresh subject) and closed at the end.
 */
export function defineContract<S extends ContractSubject>(title: string, cases: ContractCase<S>[]) {
  return function runContract(implementation: string, makeSubject: () => Promise<S>): void {
    describe(`${title} — ${implementation}`, () => {
      let subject: S
      before(async () => {
        subject = await makeSubject()
      })
      after(() => subject?.close?.())
      for (const contractCase of cases) {
        test(contractCase.name, async (t) => {
          const missing = (contractCase.needs ?? []).filter((capability) => subject[capability] === undefined)
          if (missing.length > 0) {
            t.skip(`${implementation} has no ${missing.join(', ')}`)
            return
          }
          await contractCase.run(subject)
        })
      }
    })
  }
}
