import type pg from 'pg'

/*
 * One statement of text we did not write, run through PostgreSQL's extended
 * protocol into a named portal, so its rows can be read a page at a time
 * (a row limit with "load more", or streaming in bounded memory) instead of
 * all at once. node-postgres's own Query reads everything, and pg-cursor
 * spends a round trip per page plus one to close; here a page is one round
 * trip, and the first one also carries the statements that open the
 * transaction:
 *
 *   Parse/Bind/Execute × each prelude statement (BEGIN …, SET LOCAL …)
 *   Parse/Bind/Describe/Execute(limit) of the statement      → one message train,
 *   Sync                                                        one answer
 *
 * Inside the transaction Sync does not close the portal, so the next page is
 * Execute(limit) + Sync on it; it closes with the transaction. Parse takes
 * exactly one statement ("cannot insert multiple commands into a prepared
 * statement"), so a script cannot end our transaction and carry on.
 */

/** A result column as PostgreSQL describes it. */
export interface PortalField {
  name: string
  dataTypeId: number
  /** The type modifier (`varchar(20)` → 24); -1 when none. */
  typeModifier: number
}

/** One page of a portal's rows; values are PostgreSQL's text (null for NULL). */
export interface PortalPage {
  fields: PortalField[]
  rows: (string | null)[][]
  /** The row limit was reached and more rows wait in the portal. */
  suspended: boolean
  /** The command tag once the statement completed (`SELECT 3`, `UPDATE 1`); undefined while suspended. */
  commandTag: string | undefined
}

/** The portal our statements run in; closed with the transaction. */
export const PORTAL = 'schemata_result'

/** What node-postgres hands a submittable: its protocol writer (not declared by @types/pg). */
interface ProtocolConnection {
  parse(message: { text: string; name?: string }): void
  bind(message: { portal?: string; statement?: string; values?: (string | Buffer | null)[] }): void
  describe(message: { type: 'P' | 'S'; name: string }): void
  execute(message: { portal: string; rows: number }): void
  sync(): void
  stream: { cork?: () => void; uncork?: () => void }
}

type Callback = (error: Error | null, page?: PortalPage) => void

abstract class PortalSubmittable implements pg.Submittable {
  protected fields: PortalField[] = []
  protected rows: (string | null)[][] = []
  protected suspended = false
  protected commandTag: string | undefined
  /** Command completions (and data rows) still owed to prelude statements, which are not ours to report. */
  protected preludeLeft = 0
  private settled = false

  constructor(private readonly callback: Callback) {}

  abstract send(connection: ProtocolConnection): void

  submit(connection: pg.Connection): void {
    const writer = connection as unknown as ProtocolConnection
    // One write for the whole train, however many messages it has.
    writer.stream.cork?.()
    try {
      this.send(writer)
    } finally {
      writer.stream.uncork?.()
    }
  }

  handleRowDescription(message: { fields: { name: string; dataTypeID: number; dataTypeModifier: number }[] }): void {
    this.fields = message.fields.map((field) => ({ name: field.name, dataTypeId: field.dataTypeID, typeModifier: field.dataTypeModifier }))
  }

  handleDataRow(message: { fields: (string | null)[] }): void {
    if (this.preludeLeft === 0) this.rows.push(message.fields)
  }

  handlePortalSuspended(): void {
    this.suspended = true
  }

  handleCommandComplete(message: { text: string }): void {
    if (this.preludeLeft > 0) this.preludeLeft--
    else this.commandTag = message.text
  }

  handleEmptyQuery(): void {
    this.commandTag = ''
  }

  handleError(error: Error): void {
    // node-postgres drops a query as soon as the server reports an error; the Sync's ReadyForQuery that
    // follows lets the next one (our ROLLBACK) through.
    this.settle(error)
  }

  handleReadyForQuery(): void {
    this.settle(null, { fields: this.fields, rows: this.rows, suspended: this.suspended, commandTag: this.commandTag })
  }

  handleCopyInResponse(connection: { sendCopyFail(message: string): void }): void {
    // COPY … FROM STDIN has no data to read here.
    connection.sendCopyFail('COPY FROM STDIN is not supported here')
  }

  handleCopyData(): void {}

  private settle(error: Error | null, page?: PortalPage): void {
    if (this.settled) return
    this.settled = true
    this.callback(error, page)
  }
}

class OpenPortal extends PortalSubmittable {
  constructor(
    private readonly prelude: readonly string[],
    private readonly text: string,
    private readonly values: readonly unknown[],
    private readonly maxRows: number,
    callback: Callback,
  ) {
    super(callback)
    this.preludeLeft = prelude.length
  }

  send(connection: ProtocolConnection): void {
    for (const statement of this.prelude) {
      connection.parse({ text: statement })
      connection.bind({})
      connection.execute({ portal: '', rows: 0 })
    }
    connection.parse({ text: this.text })
    connection.bind({ portal: PORTAL, values: this.values.map(wireValue) })
    connection.describe({ type: 'P', name: PORTAL })
    connection.execute({ portal: PORTAL, rows: this.maxRows })
    connection.sync()
  }
}

class FetchPortal extends PortalSubmittable {
  constructor(
    private readonly maxRows: number,
    private readonly known: PortalField[],
    callback: Callback,
  ) {
    super(callback)
    this.fields = known
  }

  send(connection: ProtocolConnection): void {
    connection.execute({ portal: PORTAL, rows: this.maxRows })
    connection.sync()
  }
}

/** A bind value as the text PostgreSQL parses (or bytes, or NULL). */
function wireValue(value: unknown): string | Buffer | null {
  if (value === null || value === undefined) return null
  if (Buffer.isBuffer(value)) return value
  if (value instanceof Date) return value.toISOString()
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value)
  return JSON.stringify(value)
}

/**
 * Runs the prelude statements, then `text` into the portal, and returns its
 * first page of at most `maxRows` rows (0: all of them). One round trip.
 * The statements must run in an open transaction (the prelude's BEGIN), or
 * Sync would close the portal.
 */
export function openPortal(
  client: pg.Client,
  prelude: readonly string[],
  text: string,
  values: readonly unknown[],
  maxRows: number,
): Promise<PortalPage> {
  return new Promise((resolve, reject) => {
    void client.query(new OpenPortal(prelude, text, values, maxRows, (error, page) => (error ? reject(error) : resolve(page as PortalPage))))
  })
}

/** The next page of the open portal (`fields` from the first page). One round trip. */
export function fetchPortal(client: pg.Client, fields: PortalField[], maxRows: number): Promise<PortalPage> {
  return new Promise((resolve, reject) => {
    void client.query(new FetchPortal(maxRows, fields, (error, page) => (error ? reject(error) : resolve(page as PortalPage))))
  })
}

/** The row count a command tag reports (`UPDATE 3` → 3, `INSERT 0 1` → 1), or null when it has none. */
export function rowCountOf(commandTag: string | undefined): number | null {
  const match = /(\d+)$/.exec(commandTag ?? '')
  return match ? Number(match[1]) : null
}

/** The verb of a command tag: `SELECT 3` → SELECT, `CREATE TABLE` → CREATE TABLE. */
export function commandOf(commandTag: string | undefined): string {
  return (commandTag ?? '').replace(/(\s+\d+)+$/, '')
}
