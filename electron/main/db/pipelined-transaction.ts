import type pg from 'pg'
import { type Sequelize, Transaction } from 'sequelize'
import { runWithSequelizeTransaction } from './cls.ts'
import { pgErrorOf } from './pg-error.ts'

/*
 * Everything this module relies on inside node-postgres and Sequelize is
 * pinned by tests/integration/pg-sequelize-internals.test.ts: an upgrade that
 * changes any of it fails there, by name, not somewhere downstream.
 */

/** node-postgres ≥ 8.23 pipeline mode; @types/pg does not declare the switch yet, nor the socket. */
export type PipelinableClient = pg.Client & {
  pipeline: boolean
  connection?: { stream?: { cork?: () => void; uncork?: () => void } }
}

/** What the body of `Database.transaction` works with. */
export interface DbTransaction {
  /**
   * Sends a statement now and resolves with its rows. A failure fails the
   * transaction whether or not the caller awaits this.
   */
  rows<T extends object = Record<string, unknown>>(sql: string, bind?: readonly unknown[], label?: string): Promise<T[]>
  /**
   * Sends a statement whose result nobody reads, without a round trip of its
   * own: it runs in order with the rest, and a failure fails the transaction
   * (reported with `label`, see `failedStatementLabel`). Without bind
   * parameters it waits to leave in one protocol message with its neighbours
   * — BEGIN, statements of the same label, COMMIT — each message being a reply
   * the server flushes and the client reads.
   */
  exec(sql: string, bind?: readonly unknown[], label?: string): void
  /**
   * Sends COMMIT now, right behind the statements sent so far, instead of
   * after the body: for a body whose last statement has been sent and that
   * can no longer fail but through its statements. The transaction still
   * counts as committed only once PostgreSQL has answered COMMIT; a statement
   * sent afterwards fails with "the transaction has already ended".
   */
  commitNow(): void
  /** Like `rows`, with node-postgres's own query options (row mode, type parsers); resolves with the whole result. */
  submit(config: pg.QueryArrayConfig | pg.QueryConfig, label?: string): Promise<pg.QueryResult>
  /**
   * Runs `fn` on the connection taken out of pipeline mode, once every
   * statement sent so far has been answered (the first failure among them is
   * thrown instead): for what pipeline mode cannot carry, such as COPY.
   */
  exclusive<T>(fn: (client: pg.Client) => Promise<T>): Promise<T>
  /** The same transaction as Sequelize sees it (models inside the body join it by themselves). */
  readonly sequelizeTransaction: Transaction
}

export interface TransactionOptions {
  /** BEGIN READ ONLY: PostgreSQL refuses writes (25006), and COMMIT is not waited for. */
  readOnly?: boolean
  /** Roll back at the end even when the body succeeds: for work whose only product is what the body returns. */
  discard?: boolean
  /**
   * Statements without bind parameters that put the connection's session back
   * as it was (settings, prepared statements, LISTEN, locks, temporary objects),
   * sent right behind COMMIT or ROLLBACK as a message of their own: whatever the
   * transaction did to its session stays out of the pool, at no extra round trip.
   */
  resetSession?: string
}

/** A statement that failed, with the label it was sent under. */
interface StatementFailure {
  error: unknown
  label: string | undefined
}

const IN_FAILED_TRANSACTION = '25P02'

/** The labels failed statements were sent under, by their error. */
const failureLabels = new WeakMap<object, string>()

/**
 * The label the statement that failed with `error` was sent under (e.g. the
 * migration it belongs to), when it was a labelled statement of a transaction.
 */
export function failedStatementLabel(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? failureLabels.get(error) : undefined
}

/** A simple-protocol message with several statements answers with one result each; the last is COMMIT's. */
function lastResult(result: pg.QueryResult | pg.QueryResult[]): pg.QueryResult {
  return Array.isArray(result) ? (result[result.length - 1] as pg.QueryResult) : result
}

/**
 * Runs `fn` in a pipelined transaction on one pooled connection and commits
 * it; rolls back if `fn` throws or any statement failed. What is thrown is the
 * first failed statement when `fn`'s own error is only its echo (25P02),
 * otherwise `fn`'s error.
 *
 * A read-only transaction has nothing to make durable, so its result is
 * returned without waiting for COMMIT's answer; the connection goes back to
 * the pool when the answer arrives (or is destroyed if it never does).
 */
export async function runTransaction<T>(
  sequelize: Sequelize,
  fn: (tx: DbTransaction) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
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
  if (options.discard) await tx.discard()
  else if (options.readOnly && tx.failure === undefined) tx.commitInBackground()
  else await tx.commit()
  return result
}

/**
 * A transaction on one pooled connection whose statements go out the moment
 * they are issued, without waiting for the answers to the ones before
 * (node-postgres pipeline mode). PostgreSQL still runs them one after the
 * other, in order, inside the transaction: a statement that fails aborts it,
 * every later one fails with 25P02, and COMMIT turns into ROLLBACK. So the
 * first failure — in send order — is the real one, and it is what is reported.
 *
 * Why: a round trip costs 0.1–0.2 ms here, far more than BEGIN, the scope or
 * a ledger insert cost PostgreSQL. Sending them in one flight with the work
 * they wrap is what keeps a scoped read close to a bare one, and a tenant's
 * creation or a schema's migration at one round trip, like raw SQL
 * (bench/README.md has the figures).
 */
class PipelinedTransaction implements DbTransaction {
  readonly sequelizeTransaction: Transaction
  /** The first statement that failed, in the order they were sent. */
  failure: StatementFailure | undefined
  /** No more statements: COMMIT or ROLLBACK has been sent. */
  private closed = false
  /** The connection has gone back to the pool (or been destroyed). */
  private finished = false
  /** The socket is holding writes until the end of this tick. */
  private corked = false
  /** The last statement sent: answers come in order, so once it has settled every earlier one has. */
  lastSent: Promise<unknown> = Promise.resolve()
  /** The session reset's outcome, once sent (see `resetSession`). */
  private resetting: Promise<boolean> | undefined
  /** COMMIT's answer, once `commitNow` has sent it. */
  private committing: Promise<pg.QueryResult> | undefined
  /** Statements waiting to leave as one message (see `exec`). */
  private queued: { statements: string[]; label: string | undefined } | undefined

  private constructor(
    private readonly sequelize: Sequelize,
    private readonly client: PipelinableClient,
    private readonly options: TransactionOptions,
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
    // BEGIN waits in the queue: the body's first statements without bind parameters leave with it.
    this.queued = { statements: [options.readOnly ? 'BEGIN READ ONLY' : 'BEGIN'], label: undefined }
  }

  /** Opens a transaction on a pooled connection; BEGIN leaves with the first statements. */
  static async open(sequelize: Sequelize, options: TransactionOptions): Promise<PipelinedTransaction> {
    const client = (await sequelize.connectionManager.getConnection({ type: 'write' })) as PipelinableClient
    return new PipelinedTransaction(sequelize, client, options)
  }

  rows<T extends object = Record<string, unknown>>(sql: string, bind?: readonly unknown[], label?: string): Promise<T[]> {
    const rows = this.send(sql, bind, label).then((result) => result.rows as T[])
    // A failure is never lost (it fails the commit), so an unawaited one is no unhandled rejection.
    rows.catch(() => undefined)
    return rows
  }

  commitNow(): void {
    if (this.committing === undefined && !this.closed) this.committing = this.sendCommit()
  }

  exec(sql: string, bind?: readonly unknown[], label?: string): void {
    if (this.closed) throw new Error('the transaction has already ended')
    if (bind !== undefined && bind.length > 0) {
      void this.send(sql, bind, label)
      return
    }
    if (this.queued !== undefined && this.queued.label !== label) void this.flushQueued()
    this.queued ??= { statements: [], label }
    this.queued.statements.push(sql)
  }

  submit(config: pg.QueryArrayConfig | pg.QueryConfig, label?: string): Promise<pg.QueryResult> {
    if (this.closed) return Promise.reject(new Error('the transaction has already ended'))
    void this.flushQueued()
    return this.dispatch(config, undefined, label)
  }

  async exclusive<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
    try {
      await this.send('SELECT 1', undefined, undefined)
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

  /** Sends a statement now (behind the queued ones); its failure is recorded whether or not anyone awaits it. */
  private send(sql: string, bind: readonly unknown[] | undefined, label: string | undefined): Promise<pg.QueryResult> {
    if (this.closed) return Promise.reject(new Error('the transaction has already ended'))
    void this.flushQueued()
    return this.dispatch(sql, bind, label)
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
      if (label !== undefined && typeof error === 'object' && error !== null) failureLabels.set(error, label)
    })
    this.lastSent = result
    return result
  }

  /** COMMIT, in the same message as the statements still queued if there are any. */
  private sendCommit(): Promise<pg.QueryResult> {
    const merged = this.flushQueued('COMMIT')
    const committing = merged === undefined ? this.dispatch('COMMIT', undefined, undefined) : merged.then(lastResult)
    this.closeForStatements()
    this.sendReset()
    return committing
  }

  /**
   * The session reset, as a message of its own right behind COMMIT or
   * ROLLBACK: its answer arrives in the same flight, and its failure cannot be
   * mistaken for the transaction's. A connection whose reset failed is not reused.
   */
  private sendReset(): void {
    const reset = this.options.resetSession
    if (reset === undefined) return
    this.coalesceWrites()
    this.resetting = this.client.query(reset).then(
      () => true,
      () => false,
    )
  }

  /** `error`, unless it only reports that an earlier statement had already aborted the transaction. */
  rootCause(error: unknown): unknown {
    if (this.failure === undefined) return error
    if (error === this.failure.error || pgErrorOf(error)?.code === IN_FAILED_TRANSACTION) return this.failure.error
    return error
  }

  /**
   * Commits; throws the first failed statement if the transaction had been
   * aborted. Returns once PostgreSQL has answered COMMIT: the session reset
   * behind it and the connection's return to the pool are not waited for.
   */
  async commit(): Promise<void> {
    let outcome: pg.QueryResult
    try {
      outcome = await (this.committing ?? this.sendCommit())
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
    // The reset's answer follows COMMIT's in the same flight; the transaction's outcome does not depend on it.
    this.end(true).catch(() => undefined)
    // PostgreSQL answers COMMIT of an aborted transaction with ROLLBACK, not an error. (A failure
    // that a savepoint rolled back did not abort it, and the commit stands.)
    if (outcome.command === 'ROLLBACK') {
      const cause: unknown = this.failure?.error ?? new Error('the transaction was aborted by a failed statement and rolled back')
      throw cause
    }
  }

  /** Sends what is queued, then rolls back; throws the first failed statement, if one failed. */
  async discard(): Promise<void> {
    void this.flushQueued()
    await this.rollback()
    // ROLLBACK's answer comes after every earlier statement's: by then any failure is known.
    if (this.failure !== undefined) throw this.failure.error
  }

  /** Rolls back (statements still queued are dropped); a connection that cannot even roll back is destroyed. */
  async rollback(): Promise<void> {
    if (this.committing !== undefined) {
      // COMMIT left early (`commitNow`): wait for its answer, which ends the transaction either way.
      await this.commit().catch(() => undefined)
      return
    }
    if (this.closed) return
    this.queued = undefined
    this.closeForStatements()
    await this.finishWith('ROLLBACK')
  }

  private async finishWith(sql: string): Promise<void> {
    let healthy = true
    const finishing = this.client.query(sql).catch(() => {
      healthy = false
    })
    this.sendReset()
    await finishing
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

  commitInBackground(): void {
    const committing = this.committing ?? this.sendCommit()
    committing
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
    if (this.resetting !== undefined && !(await this.resetting)) healthy = false
    this.client.pipeline = false
    // Back to the prototype's query for the next holder of the connection.
    delete (this.client as { query?: unknown }).query
    const manager = this.sequelize.connectionManager
    if (healthy) manager.releaseConnection(this.client)
    else await manager.destroyConnection(this.client).catch(() => undefined)
  }
}

function noop(): void {}
