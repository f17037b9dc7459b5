import { isCallName } from '../../../contract/contract.ts'
import type { DbStatus } from '../../../contract/types.ts'
import type { DatabaseTarget } from '../db/connect.ts'
import { DatabaseUnavailableError, toErrorEnvelope } from '../errors.ts'
import { envelopeOf, unknownCallOutcome } from './dispatcher.ts'
import type { CallOutcome, Dispatch } from './dispatch-types.ts'
import { offlineDbStatus } from './db-handlers.ts'
import { validateInput } from './input-validation.ts'

/**
 * The dispatcher of an app whose database is still starting (a first run's
 * initdb takes seconds) or failed to start. The window is up meanwhile: it can
 * call `db/status` (answered from the target, `running: false`, with the
 * failure as `error`), and every other call gets DATABASE_UNAVAILABLE saying
 * why, instead of hanging. Once `ready()` is called, calls go to the real
 * dispatcher.
 */
export interface StartupDispatcher {
  readonly dispatch: Dispatch
  /** The latest start-up step ("initialising database cluster (first run)…"). */
  progress(step: string): void
  ready(dispatch: Dispatch): void
  failed(error: unknown): void
  /** The status to show (and push as a `db/status` event) while there is no database. */
  offlineStatus(): DbStatus
}

/** A dispatcher for the window to talk to from its first frame, before the database is up. */
export function createStartupDispatcher(target: DatabaseTarget): StartupDispatcher {
  let step = 'starting'
  let failure: string | undefined
  let live: Dispatch | undefined

  const unavailable = (): CallOutcome => ({
    ok: false,
    error: toErrorEnvelope(
      new DatabaseUnavailableError(
        failure === undefined ? `the database is not ready yet (${step})` : `the database could not be started: ${failure}`,
      ),
    ),
  })

  const dispatch: Dispatch = async (name, input, context) => {
    if (live !== undefined) return live(name, input, context)
    if (!isCallName(name)) return unknownCallOutcome(name)
    try {
      validateInput(name, input)
    } catch (error) {
      return { ok: false, error: envelopeOf(error).envelope }
    }
    if (name === 'db/status') return { ok: true, result: offlineDbStatus(target, failure) }
    return unavailable()
  }

  return {
    dispatch,
    progress(next) {
      step = next.replace(/…$/, '')
    },
    ready(real) {
      live = real
      failure = undefined
    },
    failed(error) {
      failure = error instanceof Error ? error.message : String(error)
    },
    offlineStatus: () => offlineDbStatus(target, failure),
  }
}
