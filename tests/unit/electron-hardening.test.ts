import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)

interface Finding {
  id: string
  severity: string
  confidence: string
  file: string
  line: number
}

const scratch = mkdtempSync(join(resolve('.test-data'), 'electronegativity-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

describe('electronegativity on the Electron sources', () => {
  it('finds nothing of high or medium severity', async () => {
    const pinned = (JSON.parse(readFileSync('package.json', 'utf8')) as { devDependencies: Record<string, string> }).devDependencies.electron
    const { stdout } = await run(process.execPath, [
      resolve('tests/fixtures/run-electronegativity.cjs'),
      resolve('electron'),
      join(scratch, 'findings.csv'),
      // The scanner cannot look the version up offline: give it the one package.json pins.
      pinned ?? '45.5.0',
    ])
    const report = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { errors: number; findings: Finding[] }
    expect(report.errors).toBe(0)
    // It did scan the main process: the CSP it cannot parse statically is reported as LOW.
    expect(report.findings.some((f) => f.file === 'main/index.ts')).toBe(true)
    expect(report.findings.filter((f) => f.severity === 'HIGH' || f.severity === 'MEDIUM')).toEqual([])
  }, 60_000)
})
