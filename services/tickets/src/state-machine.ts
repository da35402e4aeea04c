import { AppError } from '@kokdala/core'

/** A state machine written down as data: for each status, the events allowed from it and the status each leads to. */
export type TransitionTable<S extends string, E extends string> = Readonly<Record<S, Readonly<Partial<Record<E, S>>>>>

/** One legal move of a transition table. */
export interface Move<S extends string, E extends string> {
  from: S
  event: E
  to: S
}

/**
 * A stateful thing's rules in one place (house style 6): every change of its status asks the table first, so an
 * illegal move is refused in code whether it comes from a request, a saga or a set-based sweep. The table is what
 * `test/state-machines.test.ts` compares with the diagram in `docs/design/tickets.md`.
 */
export function defineStateMachine<S extends string, E extends string>(name: string, table: TransitionTable<S, E>) {
  const moves: Move<S, E>[] = []
  for (const from of Object.keys(table) as S[]) {
    for (const [event, to] of Object.entries(table[from]) as Array<[E, S]>) moves.push({ from, event, to })
  }

  function next(from: S, event: E): S | undefined {
    return table[from]?.[event]
  }

  return {
    name,
    table,
    next,

    /** The status after `event`; an illegal move is refused with `refusal` (an AppError with a stable code). */
    transition(from: S, event: E, refusal: { code: string; details?: Record<string, unknown> }): S {
      const to = next(from, event)
      if (!to) throw new AppError(refusal.code, undefined, { ...refusal.details, status: from })
      return to
    },

    /**
     * The status after `event` for a move the caller has already checked the conditions of: an illegal one is a
     * bug, not a refusal, so it throws a plain Error (a 500 whose cause is in the log).
     */
    expect(from: S, event: E): S {
      const to = next(from, event)
      if (!to) throw new Error(`${name}: ${event} is not a legal move from ${from}`)
      return to
    },

    /** Every status `event` may leave from: the filter of a set-based statement that moves many rows at once. */
    sources(event: E): S[] {
      return moves.filter((move) => move.event === event).map((move) => move.from)
    },

    /** The one status `event` leads to; a table that sends it to several is a bug, found at start-up. */
    target(event: E): S {
      const targets = new Set(moves.filter((move) => move.event === event).map((move) => move.to))
      if (targets.size !== 1) throw new Error(`${name}: ${event} leads to ${targets.size} statuses, not one`)
      return [...targets][0]
    },

    /** All legal moves, in table order. */
    moves: (): readonly Move<S, E>[] => moves,
  }
}

export type StateMachine<S extends string, E extends string> = ReturnType<typeof defineStateMachine<S, E>>
