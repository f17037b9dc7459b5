import { BrowserWindow, ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron'
import type { CallOutcome, Dispatch, EventSink } from '../handlers/dispatch-types.ts'
import type { SessionStore } from '../handlers/session-store.ts'
import { isTrustedSender } from '../window/window-options.ts'
import { CALL_CHANNEL, EVENT_CHANNEL } from '../../../contract/channels.ts'

export interface ContractIpcOptions {
  /** Where calls go; called per call, so the start-up dispatcher can hand over to the real one. */
  dispatch: Dispatch
  sessions: SessionStore
  /** The origin our renderer runs at; calls from any other page are refused. */
  rendererOrigin: string
}

const REFUSED: CallOutcome = {
  ok: false,
  error: { code: 'FORBIDDEN', message: 'this page may not call Schemata (not one of its windows)' },
}

function sendTo(contents: WebContents, event: string, payload: unknown): void {
  // A window closed during a long call (a migration run) just misses the rest of its events.
  if (!contents.isDestroyed()) contents.send(EVENT_CHANNEL, event, payload)
}

/**
 * The contract over Electron IPC: one invoke channel into the dispatcher and
 * one push channel out. Each window we attach gets its own WindowSession
 * (keyed by its webContents id, so it survives a reload) and so its own active
 * tenant. Calls from anything that is not the main frame of an attached
 * window showing our renderer are refused.
 */
export class ContractIpc {
  private readonly windows = new Map<number, WebContents>()

  constructor(private readonly options: ContractIpcOptions) {
    ipcMain.handle(CALL_CHANNEL, (event, name: unknown, input: unknown) => this.handleCall(event, name, input))
  }

  /** Registers a window we created: it may call, and it receives broadcasts. */
  attach(window: BrowserWindow): void {
    const contents = window.webContents
    const id = contents.id
    this.windows.set(id, contents)
    this.options.sessions.open(String(id))
    contents.once('destroyed', () => {
      this.windows.delete(id)
      this.options.sessions.close(String(id))
    })
  }

  /** Sends an event to every attached window. */
  readonly broadcast: EventSink = (event, payload) => {
    for (const contents of this.windows.values()) sendTo(contents, event, payload)
  }

  /** Stops answering calls (on quit). */
  dispose(): void {
    ipcMain.removeHandler(CALL_CHANNEL)
  }

  /** Whether an IPC event comes from the main frame of one of our windows showing our renderer. */
  isTrusted(event: IpcMainInvokeEvent): boolean {
    const contents = event.sender
    const frame = event.senderFrame
    return isTrustedSender(
      {
        webContentsId: contents.id,
        isOurWindow: this.windows.get(contents.id) === contents && BrowserWindow.fromWebContents(contents) !== null,
        // A top-level frame has no parent (compared structurally: frame wrappers need not be the same object).
        isMainFrame: frame !== null && frame.parent === null,
        frameUrl: frame?.url,
      },
      this.options.rendererOrigin,
    )
  }

  private async handleCall(event: IpcMainInvokeEvent, name: unknown, input: unknown): Promise<CallOutcome> {
    const contents = event.sender
    if (!this.isTrusted(event)) return REFUSED
    const session = this.options.sessions.open(String(contents.id))
    return this.options.dispatch(name, input, {
      session,
      emit: (eventName, payload) => sendTo(contents, eventName, payload),
      broadcast: this.broadcast,
    })
  }
}
