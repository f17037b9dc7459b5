import type pg from 'pg'
import { type Sequelize, Transaction } from 'sequelize'
import { runWithSequelizeTransaction } from './cls.ts'
import { pgErrorOf } from './pg-error.ts'

/** node-postgres ≥ 8.23 pipeline mode; @types/pg does not declare the switch yet, nor the socket. */
type PipelinableClient = pg.Client & {
  pipeline: boolean
  connection?: { stream?: { cork?: () => void; uncork?: () => void } }
}

/** A statement that failed, with the label it was sent under (e.g. the migration it belongs to). */
export interface StatementFailure {
  error: unknown
  label: string | undefined
}

const IN_FAILED_TRANSACTION = '25P02'

/** A simple-protocol message with several statements answers with one result each; the last is COMMIT's. */
function lastResult(result: pg.QueryResult | pg.QueryResult[]): pg.QueryResult {
  return Array.isArray(result) ? (result[result.length - 1] as pg.QueryResult) : result
}

export interface TransactionOptions {
  /** BEGIN READ ONLY: PostgreSQL refuses writes (25006), and COMMIT is not waited for. */
  readOnly?: boolean
  /**
   * Statements without bind parameters to run right after BEGIN, in the same
   * protocol message: one message fewer for the server to answer.
   */
  prelude?: string
}

/**
 * A transaction on one pooled connection whose statements go out the moment
 * they are issued, without waiting for the answers to the ones before
 * (node-postgres pipeline mode). PostgreSQL still runs them one after the
 * other, in order, inside the transaction: a statement that fails aborts it,
 * every later one fails with 25P02, and COMMIT turns into ROLLBACK. So the
 * first failure — in send order — is the real one, and it is what `commit`
 * and `run` report.
 *
 * Why: a round trip costs 0.1–0.2 ms here, far more than BEGIN, the scope or
 * a ledger insert cost PostgreSQL. Sending them in one flight with the work
 * they wrap is what keeps a scoped read close to a bare one, and a tenant's
 * creation or a schema's migration at one round trip, like raw SQL
 * (bench/README.md has the figures).
 */
export class PipelinedTransaction {
  /** The same transaction as Sequelize sees it: models inside `run` join it through the CLS context. */
  readonly sequelizeTransaction: Transaction
  private failure: StatementFailure | undefined
  /** No more statements: COMMIT or ROLLBACK has been sent. */
  private closed = false
  /** The connection has gone back to the pool (or been destroyed). */
  private finished = false
  /** The socket is holding writes until the end of this tick. */
  private corked = false
  /** The last statement sent: answers come in order, so once it has settled every earlier one has. */
  private lastSent: Promise<unknown> = Promise.resolve()
  /** Statements waiting to leave as one message (see `queue`). */
  private queued: { statements: string[]; label: string | undefined } | undefined

  private constructor(
    private readonly sequelize: Sequelize,
    private readonly client: PipelinableClient,
    options: TransactionOptions,
  ) {
    this.sequelizeTransaction = new Transaction(sequelize, {})
    // Sequelize runs a query "in" a transaction on `transaction.connection`; that is all it needs.
    Object.assign(this.sequelizeTransaction, { connection: client })
    client.pipeline = true
    // Whatever else talks to this connection while we hold it (Sequelize, through the
    // transaction object) must come after the statements still queued: it goes through this.
    const query = client.query.bind(client) as (...args: unknown[]) => unknown
    Object.assign(client, {
      query: (...args: unknown[]): unknown => {
        void this.flushQueued()
        return query(...args)
      },
    })
    const begin = options.readOnly ? 'BEGIN READ ONLY' : 'BEGIN'
    void this.send(options.prelude === undefined ? begin : `${begin}; ${options.prelude}`)
  }

  /** Opens a transaction on a pooled connection; BEGIN is sent, not waited for. */
  static async open(sequelize: Sequelize, options: TransactionOptions = {}): Promise<PipelinedTransaction> {
    const client = (await sequelize.connectionManager.getConnection({ type: 'write' })) as PipelinableClient
    return new PipelinedTransaction(sequelize, client, options)
  }

  /**
   * Runs `fn` in a transaction and commits it; rolls back if `fn` throws or
   * any statement failed. What is thrown is the first failed statement when
   * `fn`'s own error is only its echo (25P02), otherwise `fn`'s error.
   *
   * A read-only transaction has nothing to make durable, so its result is
   * returned without waiting for COMMIT's answer; the connection goes back to
   * the pool when the answer arrives (or is destroyed if it never does).
   */
  static async run<T>(sequelize: Sequelize, fn: (tx: PipelinedTransaction) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const tx = await PipelinedTransaction.open(sequelize, options)
    let result: T
    try {
      result = await runWithSequelizeTransaction(tx.sequelizeTransaction, () => fn(tx))
    } catch (error) {
      await tx.rollback()
      throw tx.rootCause(error)
    }
    // COMMIT's answer is not waited for in a read-only scope, so statements the body did not await
    // are, before it can succeed: one failing after the body returned must still fail the scope.
    // (Nothing is in flight when the body awaited its reads: this costs no round trip then.)
    if (options.readOnly) await tx.lastSent.then(noop, noop)
    if (options.readOnly && tx.failure === undefined) tx.commitInBackground()
    else await tx.commit()
    return result
  }

  /**
   * Sends a statement now and returns its result when it arrives. The caller
   * may await it or not: a failure is recorded either way and fails the commit.
   */
  send(sql: string, bind?: readonly unknown[], label?: string): Promise<pg.QueryResult> {
    if (this.closed) return Promise.reject(new Error('the transaction has already ended'))
    void this.flushQueued()
    return this.dispatch(sql, bind, label)
  }

  /** Like `send`, with node-postgres's own query options (row mode, type parsers). */
  submit(config: pg.QueryArrayConfig | pg.QueryConfig, label?: string): Promise<pg.QueryResult> {
    if (this.closed) return Promise.reject(new Error('the transaction has already ended'))
    void this.flushQueued()
    return this.dispatch(config, undefined, label)
  }

  /**
   * Queues statements without bind parameters whose results nobody reads
   * (DDL). Consecutive ones with the same label leave as one protocol message
   * — together with COMMIT, if that comes next — at the latest when anything
   * else is sent: each message is a reply the server flushes and the client
   * reads, which is most of what a schema's migration costs beyond the SQL.
   */
  queue(sql: string, label?: string): void {
    if (this.closed) throw new Error('the transaction has already ended')
    if (this.queued !== undefined && this.queued.label !== label) void this.flushQueued()
    this.queued ??= { statements: [], label }
    this.queued.statements.push(sql)
  }

  private flushQueued(suffix?: string): Promise<pg.QueryResult | pg.QueryResult[]> | undefined {
    const queued = this.queued
    if (queued === undefined) return undefined
    this.queued = undefined
    const text = [...queued.statements, ...(suffix === undefined ? [] : [suffix])].join(';\n')
    return this.dispatch(text, undefined, queued.label)
  }

  private dispatch(
    sql: string | pg.QueryArrayConfig | pg.QueryConfig,
    bind: readonly unknown[] | undefined,
    label: string | undefined,
  ): Promise<pg.QueryResult> {
    this.coalesceWrites()
    const result: Promise<pg.QueryResult> =
      typeof sql !== 'string'
        ? (this.client.query(sql as pg.QueryConfig) as Promise<pg.QueryResult>)
        : bind === undefined
          ? this.client.query(sql)
          : this.client.query(sql, bind as unknown[])
    // This handler also marks the promise observed: a caller need not await a statement it does not read.
    result.then(undefined, (error: unknown) => {
      this.failure ??= { error, label }
    })
    this.lastSent = result
    return result
  }

  /** COMMIT, in the same message as the statements still queued if there are any. */
  private sendCommit(): Promise<pg.QueryResult> {
    const merged = this.flushQueued('COMMIT')
    const committing = merged === undefined ? this.dispatch('COMMIT', undefined, undefined) : merged.then(lastResult)
    this.closeForStatements()
    return committing
  }

  /** Sends a statement and resolves with its rows. */
  rows<T extends object = Record<string, unknown>>(sql: string, bind?: readonly unknown[], label?: string): Promise<T[]> {
    const rows = this.send(sql, bind, label).then((result) => result.rows as T[])
    // Like `send`: a failure is never lost (it fails the commit), so an unawaited one is no unhandled rejection.
    rows.catch(() => undefined)
    return rows
  }

  /**
   * Runs `fn` on the connection taken out of pipeline mode, once every
   * statement sent so far has been answered (the first failure among them is
   * thrown instead): for what pipeline mode cannot carry, such as COPY.
   */
  async exclusive<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
    try {
      await this.send('SELECT 1')
    } catch (error) {
      throw this.rootCause(error)
    }
    this.client.pipeline = false
    try {
      return await fn(this.client)
    } finally {
      this.client.pipeline = true
    }
  }

  /** The first statement that failed, in the order they were sent. */
  firstFailure(): StatementFailure | undefined {
    return this.failure
  }

  /** That first failure, if `cause` is its error (and not, say, the caller's own). */
  failureOf(cause: unknown): StatementFailure | undefined {
    return this.failure !== undefined && cause === this.failure.error ? this.failure : undefined
  }

  /** `error`, unless it only reports that an earlier statement had already aborted the transaction. */
  rootCause(error: unknown): unknown {
    if (this.failure === undefined) return error
    if (error === this.failure.error || pgErrorOf(error)?.code === IN_FAILED_TRANSACTION) return this.failure.error
    return error
  }

  /** Commits; throws the first failed statement if the transaction had been aborted. */
  async commit(): Promise<void> {
    let outcome: pg.QueryResult
    try {
      outcome = await this.sendCommit()
    } catch (error) {
      if (pgErrorOf(error) === undefined) {
        // No answer at all: the connection's state is unknown, so it goes.
        await this.end(false)
      } else {
        // PostgreSQL answered. Either COMMIT failed (a deferred constraint: the transaction is
        // over) or a statement sent with it did (the transaction is open and aborted); ROLLBACK
        // ends the latter and is harmless after the former.
        await this.finishWith('ROLLBACK')
      }
      throw this.rootCause(error)
    }
    await this.end(true)
    // PostgreSQL answers COMMIT of an aborted transaction with ROLLBACK, not an error. (A failure
    // that a savepoint rolled back did not abort it, and the commit stands.)
    if (outcome.command === 'ROLLBACK') {
      const cause: unknown = this.failure?.error ?? new Error('the transaction was aborted by a failed statement and rolled back')
      throw cause
    }
  }

  /** Rolls back (statements still queued are dropped); a connection that cannot even roll back is destroyed. */
  async rollback(): Promise<void> {
    if (this.closed) return
    this.queued = undefined
    this.closeForStatements()
    await this.finishWith('ROLLBACK')
  }

  private async finishWith(sql: string): Promise<void> {
    let healthy = true
    await this.client.query(sql).catch(() => {
      healthy = false
    })
    await this.end(healthy)
  }

  /**
   * Statements issued in one go (in the same tick, across awaits of settled
   * promises) leave in one socket write instead of one each: a system call
   * and a server wake-up per statement were most of what pipelining left of
   * a fleet migration's client-side cost.
   */
  private coalesceWrites(): void {
    if (this.corked) return
    const stream = this.client.connection?.stream
    if (!stream?.cork || !stream.uncork) return
    stream.cork()
    this.corked = true
    process.nextTick(() => {
      this.corked = false
      stream.uncork?.()
    })
  }

  private commitInBackground(): void {
    this.sendCommit()
      .then(
        () => this.end(true),
        (error: unknown) => (pgErrorOf(error) === undefined ? this.end(false) : this.finishWith('ROLLBACK')),
      )
      // Nobody waits for this: a failure to hand the connection back must not become an unhandled rejection.
      .catch(() => undefined)
  }

  /** No statement may be sent any more; Sequelize refuses to use the transaction too. */
  private closeForStatements(): void {
    this.closed = true
    Object.assign(this.sequelizeTransaction, { finished: 'commit' })
  }

  private async end(healthy: boolean): Promise<void> {
    if (this.finished) return
    this.finished = true
    this.closeForStatements()
    this.client.pipeline = false
    // Back to the prototype's query for the next holder of the connection.
    delete (this.client as { query?: unknown }).query
    const manager = this.sequelize.connectionManager
    if (healthy) manager.releaseConnection(this.client)
    else await manager.destroyConnection(this.client).catch(() => undefined)
  }
}

function noop(): void {}
