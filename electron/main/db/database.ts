import { QueryTypes, Sequelize, type Transaction } from 'sequelize'
import pg from 'pg'
import { installSequelizeContext } from './cls.ts'
import { DEFAULT_CONNECT_TIMEOUT_MS, addressOf, firstContact } from './connect-timeout.ts'
import { type DbTransaction, type TransactionOptions, runTransaction } from './pipelined-transaction.ts'

/** How the app reaches PostgreSQL: its own embedded server or one named by DATABASE_URL. */
export type DatabaseMode = 'embedded' | 'external'

export interface DatabaseOptions {
  url: string
  mode: DatabaseMode
  /** Upper bound of pooled connections; tenant migrations run at most this many at once. */
  poolMax?: number
  /** Data directory of the embedded server, for status reports. */
  dataDir?: string
  /**
   * A direct (not pooled) URL for session-level features: LISTEN for registry
   * changes. Needed when `url` goes through PgBouncer in transaction mode.
   */
  directUrl?: string
  /** How long one connection attempt may take before it fails (default 10 s; SCHEMATA_CONNECT_TIMEOUT). */
  connectTimeoutMs?: number
}

/** Sequelize's default session time zone, passed explicitly so `sessionResetSql` restores exactly it. */
const SEQUELIZE_TIMEZONE = '+00:00'

/** The one Sequelize instance of a process, with what is needed to open side connections. */
export class Database {
  readonly sequelize: Sequelize
  private currentUrl: string
  private currentDirectUrl: string
  readonly mode: DatabaseMode
  readonly poolMax: number
  readonly dataDir: string | undefined
  readonly databaseName: string
  readonly connectTimeoutMs: number

  constructor(options: DatabaseOptions) {
    installSequelizeContext()
    this.currentUrl = options.url
    this.currentDirectUrl = options.directUrl ?? options.url
    this.mode = options.mode
    this.dataDir = options.dataDir
    this.poolMax = options.poolMax ?? 8
    this.connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS
    this.databaseName = decodeURIComponent(new URL(options.url).pathname.replace(/^\//, '')) || 'postgres'
    this.sequelize = new Sequelize(options.url, {
      dialect: 'postgres',
      dialectModule: pg,
      logging: false,
      timezone: SEQUELIZE_TIMEZONE,
      pool: { max: this.poolMax, min: 0, idle: 10_000, acquire: 30_000 },
      define: { timestamps: false, underscored: true },
      // Without it a server that accepts TCP and never answers holds a connection attempt forever.
      dialectOptions: { connectionTimeoutMillis: this.connectTimeoutMs },
    })
  }

  /**
   * Puts a pooled connection's session back as a fresh one is: every setting
   * to its start-up value (then the two Sequelize sets on connect), no role, no
   * prepared statements, held cursors, LISTENs, session advisory locks,
   * temporary objects or sequence state. It is DISCARD ALL minus DISCARD PLANS
   * (cached plans hold no session state, and dropping them would make every
   * scope replan schemata_enter_tenant), written out because DISCARD ALL cannot
   * share a message with other statements.
   */
  readonly sessionResetSql = [
    'SET SESSION AUTHORIZATION DEFAULT',
    'RESET ALL',
    // What Sequelize sets on each new connection (its defaults, which we use).
    'SET client_min_messages TO warning',
    `SET TIME ZONE INTERVAL '${SEQUELIZE_TIMEZONE}' HOUR TO MINUTE`,
    'CLOSE ALL',
    'DEALLOCATE ALL',
    'UNLISTEN *',
    'SELECT pg_catalog.pg_advisory_unlock_all()',
    'DISCARD TEMP',
    'DISCARD SEQUENCES',
  ].join(';\n')

  /**
   * One round trip through the pool, held to the connect timeout: what a
   * command does first, so an unreachable or silent server is reported at once
   * (DatabaseUnavailableError naming the address) instead of on its first query.
   */
  async checkReachable(): Promise<void> {
    await firstContact(this.sequelize.authenticate({ logging: false }), addressOf(this.url), this.connectTimeoutMs)
  }

  /** The URL the pool connects to. */
  get url(): string {
    return this.currentUrl
  }

  /** The URL for session-level connections (LISTEN); the pool's URL unless a pooler sits in between. */
  get directUrl(): string {
    return this.currentDirectUrl
  }

  /**
   * Points new connections at the same database on another address: an
   * embedded server restarted after a crash may have had to take another port.
   * Connections to the dead server fail validation and leave the pool.
   */
  retarget(url: string): void {
    const next = new URL(url)
    const config = (this.sequelize.connectionManager as unknown as { config: Record<string, unknown> }).config
    config.host = next.hostname
    config.port = next.port
    config.password = decodeURIComponent(next.password)
    this.currentUrl = url
    this.currentDirectUrl = url
  }

  /** Runs a statement and returns its rows; inside a transaction when one is given or ambient. */
  async rows<T extends object = Record<string, unknown>>(
    sql: string,
    bind?: readonly unknown[],
    transaction?: Transaction,
  ): Promise<T[]> {
    const options: Parameters<Sequelize['query']>[1] = { type: QueryTypes.SELECT, raw: true }
    if (bind !== undefined) options.bind = bind as unknown[]
    if (transaction !== undefined) options.transaction = transaction
    return (await this.sequelize.query(sql, options)) as T[]
  }

  /**
   * Runs one or several statements and returns the rows of all of them (for
   * DDL, none). Without `bind` several statements go in one round trip.
   */
  async query<T extends object = Record<string, unknown>>(
    sql: string,
    bind?: readonly unknown[],
    transaction?: Transaction,
  ): Promise<T[]> {
    const options: Parameters<Sequelize['query']>[1] = { raw: true }
    if (bind !== undefined) options.bind = bind as unknown[]
    if (transaction !== undefined) options.transaction = transaction
    const [rows] = await this.sequelize.query(sql, options)
    return Array.isArray(rows) ? (rows as T[]) : []
  }

  /** Runs statements for their effect; without `bind` several may go in one round trip. */
  async exec(sql: string, bind?: readonly unknown[], transaction?: Transaction): Promise<void> {
    const options: Parameters<Sequelize['query']>[1] = { raw: true }
    if (bind !== undefined) options.bind = bind as unknown[]
    if (transaction !== undefined) options.transaction = transaction
    await this.sequelize.query(sql, options)
  }

  /**
   * Runs `fn` in a transaction on one pooled connection whose statements are
   * pipelined (see runTransaction); Sequelize models inside join it.
   */
  transaction<T>(fn: (tx: DbTransaction) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    return runTransaction(this.sequelize, fn, options)
  }

  /** A plain client outside the pool, for work that needs one connection throughout (a held transaction, LISTEN). */
  async openClient(options: { direct?: boolean } = {}): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: options.direct ? this.directUrl : this.url, connectionTimeoutMillis: this.connectTimeoutMs })
    await client.connect()
    return client
  }

  /** Closes the pool. */
  async close(): Promise<void> {
    await this.sequelize.close()
  }
}
