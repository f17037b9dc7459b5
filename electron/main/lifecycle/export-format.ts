import { createHash, type Hash } from 'node:crypto'
import type { Writable } from 'node:stream'
import { InvalidInputError } from '../errors.ts'

/*
 * The tenant export file (docs/tenant-export-format.md): one UTF-8 text file of
 * lines, streamed front to back, readable with `less`:
 *
 *   SCHEMATA-TENANT-EXPORT 1
 *   #manifest
 *   { …the manifest, pretty-printed JSON… }
 *   \.
 *   #end manifest bytes=… sha256=…
 *   #table "customers"
 *   1	Ada	ada@example.com	2026-01-01 09:00:00+00      ← PostgreSQL COPY text format
 *   \.
 *   #end table "customers" rows=1 bytes=… sha256=…
 *   …
 *   #end export parts=3 sha256=…
 *
 * A part's body ends at a line that is exactly `\.`: COPY text doubles every
 * backslash in the data and JSON escapes it, so no body line can be that.
 * Each part's sha256 covers its body bytes; the last line's covers every
 * line outside the bodies (this signature, the headers and trailers, which
 * carry the parts' checksums), so a file cut short or with a part added,
 * dropped or renamed is refused, not half-imported.
 */

export const FORMAT_SIGNATURE = 'SCHEMATA-TENANT-EXPORT 1'
export const FORMAT_NAME = 'schemata-tenant-export'
export const FORMAT_VERSION = 1

/** Session settings under which the data was written; an import uses the same, so text means the same. */
export const DATA_SETTINGS = {
  client_encoding: 'UTF8',
  DateStyle: 'ISO, MDY',
  IntervalStyle: 'postgres',
  TimeZone: 'UTC',
  extra_float_digits: '1',
  bytea_output: 'hex',
} as const

export interface ManifestColumn {
  name: string
  /** format_type() of the column, e.g. `bigint`, `text`, `timestamp with time zone`. */
  type: string
}

export interface ManifestTable {
  name: string
  /** The columns the data lines hold, in order (generated columns are left out: they are computed again). */
  columns: ManifestColumn[]
  rows: number
}

export interface ManifestSequence {
  name: string
  /** As text: a bigint does not fit a JSON number. */
  lastValue: string
  isCalled: boolean
}

export interface ManifestMigration {
  name: string
  /** The migration's checksum when this Schemata records them, else null. */
  checksum: string | null
}

export interface ExportManifest {
  format: typeof FORMAT_NAME
  version: typeof FORMAT_VERSION
  exportedAt: string
  schemata: { version: string }
  postgres: { version: string; versionNum: number }
  source: { database: string }
  tenant: {
    name: string
    schema: string
    /** Tenant type (project config); `default` for a project without types. */
    type: string
    status: string
    createdAt: string
    domains: string[]
  }
  /** The tenant's migration ledger, in the order the migrations were applied. */
  migrations: ManifestMigration[]
  /** Tables in load order: a table comes after every table it references. */
  tables: ManifestTable[]
  sequences: ManifestSequence[]
  settings: typeof DATA_SETTINGS
}

const sha256 = (): Hash => createHash('sha256')

function writeAll(out: Writable, text: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    if (out.write(text)) resolve()
    else {
      const onError = (error: Error) => reject(error)
      out.once('error', onError)
      out.once('drain', () => {
        out.off('error', onError)
        resolve()
      })
    }
  })
}

/** Writes an export file to a stream, part by part; body bytes are hashed as they pass. */
export class ExportWriter {
  private readonly outline = sha256()
  private parts = 0
  private part: { header: string; hash: Hash; bytes: number } | undefined
  /** Bytes written so far. */
  written = 0

  constructor(private readonly out: Writable) {}

  private async line(text: string): Promise<void> {
    const data = `${text}\n`
    this.outline.update(data)
    this.written += Buffer.byteLength(data)
    await writeAll(this.out, data)
  }

  async start(): Promise<void> {
    await this.line(FORMAT_SIGNATURE)
  }

  async manifest(manifest: ExportManifest): Promise<void> {
    await this.begin('#manifest')
    await this.body(Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8'))
    await this.end()
  }

  async begin(header: string): Promise<void> {
    if (this.part) throw new Error('export writer: a part is still open')
    await this.line(header)
    this.part = { header: header.slice(1), hash: sha256(), bytes: 0 }
  }

  /** Begins a table's part; its body is COPY text lines. */
  beginTable(name: string): Promise<void> {
    return this.begin(`#table ${JSON.stringify(name)}`)
  }

  /** Body bytes of the open part. */
  async body(chunk: Buffer): Promise<void> {
    const part = this.part
    if (!part) throw new Error('export writer: no part is open')
    part.hash.update(chunk)
    part.bytes += chunk.length
    this.written += chunk.length
    await writeAll(this.out, chunk)
  }

  /** Closes the open part; `rows` for table parts. Returns the part's checksum. */
  async end(rows?: number): Promise<{ bytes: number; sha256: string }> {
    const part = this.part
    if (!part) throw new Error('export writer: no part is open')
    this.part = undefined
    const digest = part.hash.digest('hex')
    await this.line('\\.')
    await this.line(`#end ${part.header}${rows === undefined ? '' : ` rows=${rows}`} bytes=${part.bytes} sha256=${digest}`)
    this.parts++
    return { bytes: part.bytes, sha256: digest }
  }

  /** The closing line; returns the file's outline checksum (what it records). */
  async finish(): Promise<string> {
    if (this.part) throw new Error('export writer: a part is still open')
    const digest = this.outline.copy().digest('hex')
    await this.line(`#end export parts=${this.parts} sha256=${digest}`)
    return digest
  }
}

/** The file is not a complete, untampered export: what is wrong, and where. */
export class ExportFileError extends InvalidInputError {
  constructor(rule: string) {
    super('file', rule)
  }
}

const TERMINATOR = Buffer.from('\\.\n')
const NEWLINE = 0x0a
const MAX_LINE = 1024 * 1024

interface PartState {
  header: string
  hash: Hash
  bytes: number
  read: boolean
  trailer: { rows: number | undefined; bytes: number; sha256: string } | undefined
}

/** One part of an export file as it is read: its header, then its body, streamed. */
export interface ExportPart {
  kind: 'manifest' | 'table'
  /** The table's name (tables only). */
  name: string
  /** The body, chunk by chunk; must be consumed before the next part is asked for. */
  body(): AsyncGenerator<Buffer>
  /** After the body: rows, bytes and checksum as the trailer states them (already checked against the body). */
  trailer(): { rows: number | undefined; bytes: number; sha256: string }
}

/**
 * Reads an export file from a stream, checking as it goes: the signature, each
 * part's trailer against its body (bytes, sha256), and the closing line
 * against the outline. Nothing is trusted before its checksum has been seen,
 * so a caller loads a part and then asks for the next (which checks it).
 */
export class ExportReader {
  private buffer: Buffer = Buffer.alloc(0)
  private ended = false
  private readonly outline = sha256()
  private parts = 0
  /** Bytes consumed so far (for progress). */
  consumed = 0
  private finished = false
  /** The file's checksum (its closing line's), once that line has been read and checked. */
  checksum: string | undefined
  /** The outline checksum of everything before the line read last. */
  private outlineBefore = ''

  private constructor(private readonly source: AsyncIterator<Buffer | string>) {}

  static async open(stream: AsyncIterable<Buffer | string>): Promise<ExportReader> {
    const reader = new ExportReader(stream[Symbol.asyncIterator]())
    const first = await reader.readLine()
    if (first !== FORMAT_SIGNATURE) {
      throw new ExportFileError(
        first === undefined ? 'is empty' : `is not a Schemata tenant export (the first line must be "${FORMAT_SIGNATURE}")`,
      )
    }
    return reader
  }

  private async fill(): Promise<boolean> {
    if (this.ended) return false
    const next = await this.source.next()
    if (next.done) {
      this.ended = true
      return false
    }
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value, 'utf8') : next.value
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk])
    return true
  }

  private take(n: number): Buffer {
    const taken = this.buffer.subarray(0, n)
    this.buffer = this.buffer.subarray(n)
    this.consumed += n
    return taken
  }

  /** A line outside any body (counted in the outline), or undefined at the end of the input. */
  private async readLine(): Promise<string | undefined> {
    let index = this.buffer.indexOf(NEWLINE)
    while (index < 0) {
      if (this.buffer.length > MAX_LINE) throw new ExportFileError('has a header line longer than 1 MiB: it is not an export file')
      if (!(await this.fill())) {
        if (this.buffer.length > 0) throw new ExportFileError('ends in the middle of a line: it was cut short')
        return undefined
      }
      index = this.buffer.indexOf(NEWLINE)
    }
    const line = this.take(index + 1)
    // Few lines are outside bodies; the closing one is checked against what came before it.
    this.outlineBefore = this.outline.copy().digest('hex')
    this.outline.update(line)
    return line.subarray(0, index).toString('utf8')
  }

  /**
   * The next part, or undefined after the closing line (which is checked).
   * The previous part's body must have been read to its end.
   */
  async next(): Promise<ExportPart | undefined> {
    if (this.finished) return undefined
    const line = await this.readLine()
    if (line === undefined) throw new ExportFileError(`ends after ${this.parts} part(s) without its closing line: it was cut short`)
    if (line.startsWith('#end export ')) {
      const match = /^#end export parts=(\d+) sha256=([0-9a-f]{64})$/.exec(line)
      if (!match) throw new ExportFileError(`has a malformed closing line: ${JSON.stringify(line.slice(0, 120))}`)
      // The outline hash covers everything before the closing line, which readLine already added.
      const expected = match[2]
      const actual = this.outlineBefore
      if (Number(match[1]) !== this.parts) throw new ExportFileError(`says it has ${match[1]} parts but holds ${this.parts}`)
      if (actual !== expected) throw new ExportFileError('its outline checksum does not match: a header or trailer was changed, or a part added or removed')
      if (this.buffer.length > 0 || (await this.fill())) throw new ExportFileError('has data after its closing line')
      this.finished = true
      this.checksum = expected
      return undefined
    }
    let kind: ExportPart['kind']
    let name = ''
    if (line === '#manifest') kind = 'manifest'
    else if (line.startsWith('#table ')) {
      kind = 'table'
      try {
        name = JSON.parse(line.slice('#table '.length)) as string
      } catch {
        throw new ExportFileError(`has a malformed table header: ${JSON.stringify(line.slice(0, 120))}`)
      }
      if (typeof name !== 'string') throw new ExportFileError(`has a malformed table header: ${JSON.stringify(line.slice(0, 120))}`)
    } else {
      throw new ExportFileError(`has an unexpected line where a part should begin: ${JSON.stringify(line.slice(0, 120))}`)
    }
    this.parts++
    const part: PartState = { header: line.slice(1), hash: sha256(), bytes: 0, read: false, trailer: undefined }
    return {
      kind,
      name,
      body: () => this.readBody(part),
      trailer: () => {
        if (!part.trailer) throw new Error('export reader: read the body first')
        return part.trailer
      },
    }
  }

  /** A part's body up to its `\\.` line, then its trailer, checked against what was read. */
  private async *readBody(part: PartState): AsyncGenerator<Buffer> {
    if (part.read) throw new Error('export reader: a part body can be read once')
    part.read = true
    // Whether the byte before buffer[0] ended a line: a body starts at a line start.
    let atLineStart = true
    for (;;) {
      let from = 0
      let found = -1
      for (;;) {
        const index = this.buffer.indexOf(TERMINATOR, from)
        if (index < 0) break
        if ((index === 0 && atLineStart) || (index > 0 && this.buffer[index - 1] === NEWLINE)) {
          found = index
          break
        }
        from = index + 1
      }
      if (found >= 0) {
        if (found > 0) yield this.bodyChunk(part, found)
        this.outline.update(this.take(TERMINATOR.length))
        await this.readTrailer(part)
        return
      }
      // Keep the last two bytes back: they may be the start of a terminator split across chunks.
      const keep = Math.min(this.buffer.length, TERMINATOR.length - 1)
      if (this.buffer.length > keep) {
        const chunk = this.bodyChunk(part, this.buffer.length - keep)
        atLineStart = chunk[chunk.length - 1] === NEWLINE
        yield chunk
      }
      if (!(await this.fill())) throw new ExportFileError(`ends inside part "${part.header}": it was cut short`)
    }
  }

  private bodyChunk(part: PartState, n: number): Buffer {
    const chunk = this.take(n)
    part.hash.update(chunk)
    part.bytes += chunk.length
    return chunk
  }

  private async readTrailer(part: PartState): Promise<void> {
    const end = await this.readLine()
    if (end === undefined) throw new ExportFileError(`ends inside part "${part.header}": it was cut short`)
    const match = /^#end (.*?)(?: rows=(\d+))? bytes=(\d+) sha256=([0-9a-f]{64})$/.exec(end)
    if (!match || match[1] !== part.header) throw new ExportFileError(`part "${part.header}" has no matching end line`)
    const stated = { rows: match[2] === undefined ? undefined : Number(match[2]), bytes: Number(match[3]), sha256: match[4] as string }
    if (stated.bytes !== part.bytes || stated.sha256 !== part.hash.digest('hex')) {
      throw new ExportFileError(`part "${part.header}" does not match its checksum: the file was changed or damaged`)
    }
    part.trailer = stated
  }
}
