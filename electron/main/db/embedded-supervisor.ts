import type { Database } from './database.ts'
import { embeddedStatus, startEmbedded } from './embedded-server.ts'
import { recordStartedOnDemand } from './server-users.ts'

export type SupervisorEvent =
  | { type: 'down'; dataDir: string }
  | { type: 'restarted'; dataDir: string; port: number; downMs: number }
  | { type: 'restart-failed'; dataDir: string; message: string }

export interface EmbeddedSupervisor {
  /** Stops watching; resolves once a restart in progress has finished, so the caller's release sees its outcome. */
  stop(): Promise<void>
}

/**
 * Watches the embedded server of a long-running process (the app, `serve`):
 * when PostgreSQL dies under it — killed, crashed, OOM — it says so and starts
 * it again on the same data directory. PostgreSQL's own crash recovery replays
 * the WAL, so every committed write is there afterwards.
 */
export function superviseEmbedded(
  db: Database,
  dataDir: string,
  onEvent: (event: SupervisorEvent) => void,
  options: { intervalMs?: number } = {},
): EmbeddedSupervisor {
  let stopped = false
  let busy: Promise<void> | undefined
  let downSince: number | undefined

  const check = async (): Promise<void> => {
    try {
      const status = await embeddedStatus(dataDir)
      if (status.running) return
      if (downSince === undefined) {
        downSince = performance.now()
        onEvent({ type: 'down', dataDir })
      }
      const server = await startEmbedded({ dataDir })
      // Started on demand by a user of it: it stops when its last user leaves, like the one that died.
      if (server.startedHere) await recordStartedOnDemand(dataDir, server.pid)
      if (stopped) return
      if (server.url !== db.url) db.retarget(server.url)
      onEvent({ type: 'restarted', dataDir, port: server.port, downMs: Math.round(performance.now() - downSince) })
      downSince = undefined
    } catch (error) {
      onEvent({ type: 'restart-failed', dataDir, message: error instanceof Error ? error.message : String(error) })
    } finally {
      busy = undefined
    }
  }

  const timer = setInterval(() => {
    if (busy !== undefined || stopped) return
    busy = check()
  }, options.intervalMs ?? 1_000)
  // Supervision alone must not keep the process alive.
  timer.unref()
  return {
    async stop() {
      stopped = true
      clearInterval(timer)
      await busy
    },
  }
}
