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

  private constructor(
    private readonly sequelize: Sequelize,
    private readonly client: PipelinableClient,
    options: TransactionOptions,
  ) {
    this.sequelizeTransaction = new Transaction(sequelize, {})
    // Sequelize runs a query "in" a transaction on `transaction.connection`; that is all it needs.
    Object.assign(this.sequelizeTransaction, { connection: client })
    client.pipeline = true
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
    this.coalesceWrites()
    const result: Promise<pg.QueryResult> =
      bind === undefined ? this.client.query(sql) : this.client.query(sql, bind as unknown[])
    // This handler also marks the promise observed: a caller need not await a statement it does not read.
    result.then(undefined, (error: unknown) => {
      this.failure ??= { error, label }
    })
    return result
  }

  /** Sends a statement and resolves with its rows. */
  rows<T extends object = Record<string, unknown>>(sql: string, bind?: readonly unknown[], label?: string): Promise<T[]> {
    const rows = this.send(sql, bind, label).then((result) => result.rows as T[])
    // Like `send`: a failure is never lost (it fails the commit), so an unawaited one is no unhandled rejection.
    rows.catch(() => undefined)
    return rows
  }

  /** The first statement that failed, in the order they were sent. */
  firstFailure(): StatementFailure | undefined {
    return this.failure
  }

  /** `error`, unless it only reports that an earlier statement had already aborted the transaction. */
  rootCause(error: unknown): unknown {
    if (this.failure === undefined) return error
    if (error === this.failure.error || pgErrorOf(error)?.code === IN_FAILED_TRANSACTION) return this.failure.error
    return error
  }

  /** Commits; throws the first failed statement if the transaction had been aborted. */
  async commit(): Promise<void> {
    const committing = this.send('COMMIT')
    this.closeForStatements()
    let outcome: pg.QueryResult
    try {
      outcome = await committing
    } catch (error) {
      // PostgreSQL answered (a deferred constraint, a serialization failure): the transaction is
      // over and the connection fine. No answer at all: its state is unknown, so it goes.
      await this.end(pgErrorOf(error) !== undefined)
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

  /** Rolls back; a connection that cannot even roll back is destroyed rather than pooled. */
  async rollback(): Promise<void> {
    if (this.closed) return
    this.closeForStatements()
    let healthy = true
    await this.client.query('ROLLBACK').catch(() => {
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
    this.send('COMMIT')
      .then(
        () => this.end(true),
        (error: unknown) => this.end(pgErrorOf(error) !== undefined),
      )
      // Nobody waits for this: a failure to hand the connection back must not become an unhandled rejection.
      .catch(() => undefined)
    this.closeForStatements()
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
    const manager = this.sequelize.connectionManager
    if (healthy) manager.releaseConnection(this.client)
    else await manager.destroyConnection(this.client).catch(() => undefined)
  }
}
