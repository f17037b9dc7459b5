import type { Database } from './database.ts'
import { embeddedStatus, startEmbedded } from './embedded-server.ts'

export type SupervisorEvent =
  | { type: 'down'; dataDir: string }
  | { type: 'restarted'; dataDir: string; port: number; downMs: number }
  | { type: 'restart-failed'; dataDir: string; message: string }

export interface EmbeddedSupervisor {
  stop(): void
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
  let busy = false
  let downSince: number | undefined

  const check = async (): Promise<void> => {
    if (busy || stopped) return
    busy = true
    try {
      const status = await embeddedStatus(dataDir)
      if (status.running) return
      if (downSince === undefined) {
        downSince = performance.now()
        onEvent({ type: 'down', dataDir })
      }
      const server = await startEmbedded({ dataDir })
      if (stopped) return
      if (server.url !== db.url) db.retarget(server.url)
      onEvent({ type: 'restarted', dataDir, port: server.port, downMs: Math.round(performance.now() - downSince) })
      downSince = undefined
    } catch (error) {
      onEvent({ type: 'restart-failed', dataDir, message: error instanceof Error ? error.message : String(error) })
    } finally {
      busy = false
    }
  }

  const timer = setInterval(() => void check(), options.intervalMs ?? 1_000)
  // Supervision alone must not keep the process alive.
  timer.unref()
  return {
    stop() {
      stopped = true
      clearInterval(timer)
    },
  }
}
