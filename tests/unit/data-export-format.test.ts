import type { ServerResponse } from 'node:http'
import { describe, expect, it } from 'vitest'
import type { GridColumn } from '../../contract/data-grid.ts'
import type { ExportJob } from '../../electron/main/data-browser/data-browser.ts'
import { csvField, exportEncoder, jsonCell } from '../../electron/main/data-browser/export-format.ts'
import { exportFileName } from '../../electron/main/data-browser/export-rows.ts'
import { DataExportDownloads } from '../../electron/main/server/data-export-downloads.ts'

const column = (type: string, kind: GridColumn['kind']): GridColumn => ({ name: 'c', type, kind })

describe('CSV fields', () => {
  it('keep NULL and the empty string apart, as COPY … CSV does', () => {
    expect(csvField(null)).toBe('')
    expect(csvField('')).toBe('""')
  })

  it('quote separators, quotes, line breaks and edge spaces, and nothing else', () => {
    expect(csvField('plain')).toBe('plain')
    expect(csvField('a,b')).toBe('"a,b"')
    expect(csvField('say "hi"')).toBe('"say ""hi"""')
    expect(csvField('two\nlines')).toBe('"two\nlines"')
    expect(csvField('cr\rhere')).toBe('"cr\rhere"')
    expect(csvField(' padded')).toBe('" padded"')
    expect(csvField('padded ')).toBe('"padded "')
    expect(csvField('=1+1')).toBe('=1+1')
  })
})

describe('JSON cells', () => {
  it('type what JSON can hold exactly and keep the rest as PostgreSQL text', () => {
    expect(jsonCell(column('integer', 'number'), '42')).toBe('42')
    expect(jsonCell(column('double precision', 'number'), '1.5e-7')).toBe('1.5e-7')
    expect(jsonCell(column('double precision', 'number'), 'NaN')).toBe('"NaN"')
    expect(jsonCell(column('real', 'number'), '-Infinity')).toBe('"-Infinity"')
    expect(jsonCell(column('bigint', 'number'), '9007199254740993')).toBe('"9007199254740993"')
    expect(jsonCell(column('numeric(12,2)', 'number'), '0.10')).toBe('"0.10"')
    expect(jsonCell(column('boolean', 'boolean'), 't')).toBe('true')
    expect(jsonCell(column('boolean', 'boolean'), 'f')).toBe('false')
    expect(jsonCell(column('jsonb', 'json'), '{"a": [1, null]}')).toBe('{"a": [1, null]}')
    expect(jsonCell(column('text', 'text'), 'line\n"quoted"')).toBe('"line\\n\\"quoted\\""')
    expect(jsonCell(column('text', 'text'), null)).toBe('null')
  })

  it('make a valid document with rows in any batches, and with none', () => {
    const columns = [column('integer', 'number'), { ...column('text', 'text'), name: 'd' }]
    const json = exportEncoder('json', columns)
    const doc = json.header() + json.rows([['1', 'x']], true) + json.rows([['2', null], ['3', '']], false) + json.footer()
    expect(JSON.parse(doc)).toEqual([
      { c: 1, d: 'x' },
      { c: 2, d: null },
      { c: 3, d: '' },
    ])
    expect(JSON.parse(json.header() + json.footer())).toEqual([])
  })
})

describe('export file names', () => {
  it('name tenant, table and time with characters any file system takes', () => {
    const at = new Date('2026-03-04T05:06:07Z')
    expect(exportFileName('acme', 'orders', 'csv', at)).toBe('acme-orders-20260304-050607.csv')
    expect(exportFileName('acme', `Robert'); DROP TABLE "x"/..`, 'json', at)).toBe('acme-Robert_DROP_TABLE_x_..-20260304-050607.json')
  })
})

describe('browser-mode download links', () => {
  const job: ExportJob = { fileName: 'acme-t.csv', contentType: 'text/csv', writeTo: () => Promise.resolve({ rows: 0, bytes: 0 }) }

  it('expire a minute after they are handed out', async () => {
    let now = 1_000_000
    const downloads = new DataExportDownloads(() => now)
    const result = await downloads.deliver(job)
    if (result.kind !== 'download') throw new Error('expected a download link')
    now += 60_001
    await expect(downloads.serve(result.url.slice('/export/'.length), {} as ServerResponse)).rejects.toThrow(/expired or was used already/)
  })

  it('are random and distinct', async () => {
    const downloads = new DataExportDownloads()
    const urls = new Set<string>()
    for (let i = 0; i < 50; i++) {
      const result = await downloads.deliver(job)
      if (result.kind === 'download') urls.add(result.url)
    }
    expect(urls.size).toBe(50)
  })
})
