import { readFile } from 'node:fs/promises'
import { type SqlStatementSpan, offsetOfPosition, singleStatement } from '../../../../contract/sql-text.ts'
import type { FanOutProgress, SqlFailure } from '../../../../contract/sql-console.ts'
import { InvalidInputError, SchemataError } from '../../errors.ts'
import { COMMAND_COLUMNS, fanOutStatement } from '../../sql-console/fan-out.ts'
import { ResultColumns } from '../../sql-console/result-columns.ts'
import { describeFailure, sqlFailureOf } from '../../sql-console/sql-failure.ts'
import { type TenantCondition, parseCondition, selectTenants } from '../../sql-console/tenant-selection.ts'
import { TenantSessions } from '../../tenancy/tenant-sessions.ts'
import type { Tenancy } from '../../tenancy/service.ts'
import type { CliContext } from '../cli-context.ts'
import { type CliIo, ExitCode } from '../cli-io.ts'
import { intFlag, parseFlagsAndPositionals } from '../parse-args.ts'
import { SQL_FLAGS } from '../command-table.ts'
import { SQL_HELP } from '../usage.ts'
import { type OutputFormat, type ResultWriter, type WriteText, resultWriter } from '../sql-output.ts'


const FLAGS = { ...SQL_FLAGS, help: { type: 'boolean', short: 'h' } } as const

const MAX_TIMEOUT_MS = 3_600_000

/** `30s`, `500ms`, `2m`, `1h`, or a plain number of seconds, as milliseconds. */
export function parseDuration(text: string, flag = 'timeout'): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?$/.exec(text.trim())
  const unit = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000 }[match?.[2] ?? 's'] ?? 1000
  const ms = match ? Math.round(Number(match[1]) * unit) : NaN
  if (!Number.isFinite(ms) || ms < 1 || ms > MAX_TIMEOUT_MS) {
    throw new InvalidInputError(flag, `--${flag} must be a duration from 1ms to 1h, e.g. 500ms, 30s, 2m`)
  }
  return ms
}

/** Where the statement comes from: the argument, --file, or stdin. */
async function readSql(io: CliIo, positionals: readonly string[], file: string | undefined): Promise<{ text: string; field: string }> {
  if (positionals.length > 1) {
    throw new InvalidInputError('sql', `give the statement as one argument (quote it); got ${positionals.length} arguments`)
  }
  const [argument] = positionals
  if (argument !== undefined && file !== undefined) throw new InvalidInputError('sql', 'give the statement as an argument or with --file, not both')
  if (argument !== undefined && argument !== '-') return { text: argument, field: 'sql' }
  if (file !== undefined && file !== '-') {
    try {
      return { text: await readFile(file, 'utf8'), field: 'file' }
    } catch (error) {
      throw new InvalidInputError('file', `cannot read "${file}": ${error instanceof Error ? error.message.replace(/^[A-Z]+: /, '') : String(error)}`)
    }
  }
  const stdin = await io.readStdin?.()
  if (stdin === undefined) throw new InvalidInputError('sql', 'no statement: give it as an argument, with --file, or on stdin')
  return { text: stdin, field: 'sql' }
}

/** The one statement of the text, or invalid input saying why not. */
function oneStatement(text: string, field: string): SqlStatementSpan {
  const checked = singleStatement(text)
  if (!checked.ok) throw new InvalidInputError(field, checked.rule)
  return checked.statement
}

/** "line 2, column 7" of PostgreSQL's error position, in the text the user gave. */
function whereInText(text: string, statement: SqlStatementSpan, position: number | undefined): string {
  if (position === undefined) return ''
  const offset = statement.start + offsetOfPosition(statement.text, position)
  const before = text.slice(0, offset)
  const line = before.split('\n').length
  const column = offset - before.lastIndexOf('\n')
  return ` (at line ${line}, column ${column})`
}

function textWriter(io: CliIo): WriteText {
  if (io.write) return io.write.bind(io)
  // Without a raw stdout (tests), whole lines through `out`.
  let pending = ''
  return (text) => {
    pending += text
    const cut = pending.lastIndexOf('\n')
    if (cut >= 0) {
      for (const line of pending.slice(0, cut).split('\n')) io.out(line)
      pending = pending.slice(cut + 1)
    }
    return Promise.resolve()
  }
}

/** Aborts `controller` on Ctrl-C while `fn` runs: running statements are cancelled in PostgreSQL, no more start. */
async function interruptible<T>(controller: AbortController, fn: () => Promise<T>): Promise<T> {
  const onSigint = (): void => controller.abort()
  process.once('SIGINT', onSigint)
  try {
    return await fn()
  } finally {
    process.off('SIGINT', onSigint)
  }
}

/** `schemata sql`: one statement in one tenant, or in many at once (see SQL_HELP). */
export async function sqlCommand(context: CliContext, argv: readonly string[]): Promise<number> {
  const { io } = context
  const { values: flags, positionals } = parseFlagsAndPositionals(argv, FLAGS)
  if (flags.help) {
    io.out(SQL_HELP)
    return ExitCode.ok
  }
  const tenantList = flags.tenants?.flatMap((entry) => entry.split(',')).map((s) => s.trim()).filter((s) => s !== '')
  const ways = [flags.schema !== undefined, flags.all === true, flags.type !== undefined, tenantList !== undefined].filter(Boolean).length
  if (ways !== 1) throw new InvalidInputError('schema', 'choose where to run: --schema SCHEMA, or one of --all, --type TYPE, --tenants A,B')
  if (flags.json && flags.csv) throw new InvalidInputError('json', '--json and --csv cannot be combined')
  if (flags.schema !== undefined && flags.where !== undefined) throw new InvalidInputError('where', '--where narrows --all, --type or --tenants, not --schema')
  const where: TenantCondition[] = (flags.where ?? []).map((text) => parseCondition(text))
  const timeoutMs = flags.timeout === undefined ? undefined : parseDuration(flags.timeout)
  const concurrency = intFlag(flags, 'concurrency', 1, 64)
  const format: OutputFormat = flags.json ? 'json' : flags.csv ? 'csv' : 'table'
  const source = await readSql(io, positionals, flags.file)
  const statement = oneStatement(source.text, source.field)
  const readOnly = flags.write !== true

  return context.withTenancy(async (tenancy) => {
    if (flags.schema !== undefined) {
      const schema = flags.schema
      await selectTenants(tenancy.db, tenancy.project, { tenants: [schema] }).catch((error: unknown) => {
        throw error instanceof InvalidInputError ? new InvalidInputError('schema', error.message.replace(/^tenants: /, '')) : error
      })
      return runInOne(tenancy, io, schema, source.text, statement, { readOnly, format, timeoutMs })
    }
    const schemas = await selectTenants(tenancy.db, tenancy.project, {
      ...(flags.all ? { all: true } : {}),
      ...(flags.type !== undefined ? { type: flags.type } : {}),
      ...(tenantList !== undefined ? { tenants: tenantList } : {}),
      where,
    })
    if (schemas.length === 0) {
      io.err('no tenant matches; nothing was run')
      return ExitCode.ok
    }
    return runInMany(tenancy, io, schemas, statement, { readOnly, format, timeoutMs, concurrency: concurrency ?? tenancy.db.poolMax })
  })
}

interface RunOptions {
  readOnly: boolean
  format: OutputFormat
  timeoutMs: number | undefined
}

async function runInOne(tenancy: Tenancy, io: CliIo, schema: string, text: string, statement: SqlStatementSpan, options: RunOptions): Promise<number> {
  const sessions = new TenantSessions(tenancy.db, { maxConnections: 1 })
  const columns = new ResultColumns(tenancy.db)
  const writer = resultWriter(options.format, textWriter(io), false)
  const controller = new AbortController()
  try {
    let streamed = false
    const result = await interruptible(controller, () =>
      sessions.run(schema, statement.text, {
        readOnly: options.readOnly,
        signal: controller.signal,
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
        onRows: async (rows, fields) => {
          const gridColumns = await columns.columns(fields)
          if (!streamed) writer.accept(gridColumns)
          streamed = true
          await writer.rows(gridColumns, rows)
        },
      }),
    )
    if (result.fields.length > 0) {
      if (!streamed) writer.accept(await columns.columns(result.fields))
      await writer.end()
    } else if (options.format === 'table') {
      io.out(result.rowCount === null ? result.command : `${result.command} ${result.rowCount}`)
    } else {
      writer.accept(COMMAND_COLUMNS)
      await writer.rows(COMMAND_COLUMNS, [[result.command, result.rowCount === null ? null : String(result.rowCount)]])
      await writer.end()
    }
    return ExitCode.ok
  } catch (error) {
    if (error instanceof SchemataError && error.code === 'INVALID_INPUT') throw error
    const failure = withWriteHint(sqlFailureOf(error))
    io.err(`error: ${describeFailure(failure)}${whereInText(text, statement, failure.position)}`)
    return ExitCode.failure
  } finally {
    await sessions.close()
  }
}

/** A write refused by the read-only transaction says how to allow it. */
function withWriteHint(failure: SqlFailure): SqlFailure {
  return failure.sqlState === '25006' && failure.hint === undefined ? { ...failure, hint: 'statements are read-only unless --write is given' } : failure
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`
}

function formatProgress(progress: FanOutProgress): string {
  const width = 24
  const filled = progress.total > 0 ? Math.round((progress.done / progress.total) * width) : 0
  const remaining = progress.total - progress.done
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${progress.done.toLocaleString('en-US')}/${progress.total.toLocaleString('en-US')} tenants  ${progress.failed.toLocaleString('en-US')} failed  ${remaining.toLocaleString('en-US')} remaining  ${seconds(progress.elapsedMs)}`
}

/** Progress on stderr: redrawn in place on a terminal, a line every 2 s otherwise; failures as lines of their own. */
function fanOutReporter(io: CliIo): { progress(p: FanOutProgress): void; failure(schema: string, failure: SqlFailure): void; done(): void } {
  const tty = io.progress !== undefined && io.progressInteractive === true
  let drawn = false
  let last = performance.now()
  const clear = (): void => {
    if (drawn) io.progress?.('\r\x1b[K')
    drawn = false
  }
  return {
    progress(progress) {
      if (tty) {
        io.progress?.(`\r${formatProgress(progress)}\x1b[K`)
        drawn = true
      } else if (performance.now() - last >= 2000 && progress.done < progress.total) {
        last = performance.now()
        io.err(formatProgress(progress))
      }
    },
    failure(schema, failure) {
      clear()
      io.err(`tenant ${schema}: ${describeFailure(failure)}`)
    },
    done: clear,
  }
}

async function runInMany(
  tenancy: Tenancy,
  io: CliIo,
  schemas: readonly string[],
  statement: SqlStatementSpan,
  options: RunOptions & { concurrency: number },
): Promise<number> {
  const sessions = new TenantSessions(tenancy.db, { maxConnections: options.concurrency })
  const writer: ResultWriter = resultWriter(options.format, textWriter(io), true)
  const reporter = fanOutReporter(io)
  const controller = new AbortController()
  try {
    const counts = await interruptible(controller, () =>
      fanOutStatement(
        sessions,
        new ResultColumns(tenancy.db),
        schemas,
        statement.text,
        {
          accept: (columns) => writer.accept(columns),
          rows: (schema, columns, rows) => writer.rows(columns, rows, schema),
          tenant: (report, progress) => {
            if (report.error) reporter.failure(report.schema, withWriteHint(report.error))
            reporter.progress(progress)
          },
        },
        {
          readOnly: options.readOnly,
          concurrency: options.concurrency,
          signal: controller.signal,
          ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
        },
      ),
    )
    reporter.done()
    await writer.end()
    const parts = [`${counts.ok.toLocaleString('en-US')} ok`]
    if (counts.failed > 0) parts.push(`${counts.failed.toLocaleString('en-US')} failed`)
    if (counts.skipped > 0) parts.push(`${counts.skipped.toLocaleString('en-US')} not run (cancelled)`)
    const verb = options.readOnly ? 'ran in' : 'wrote in'
    io.err(`${verb} ${counts.total.toLocaleString('en-US')} tenant${counts.total === 1 ? '' : 's'}: ${parts.join(', ')} (${seconds(counts.ms)})`)
    return counts.failed > 0 || counts.skipped > 0 ? ExitCode.failure : ExitCode.ok
  } finally {
    reporter.done()
    await sessions.close()
  }
}
