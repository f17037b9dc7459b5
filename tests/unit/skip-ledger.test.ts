import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type SkipRecord, isCi, readSkips, recordSkip, skipVerdict } from '../fixtures/skip-ledger.ts'

/*
 * The test command's last word on skips: one line naming what was skipped and
 * why, and under CI every skip but the Electron suite's fails the run.
 */

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'skip-ledger-'))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

const electron: SkipRecord = {
  source: 'playwright',
  what: 'tests/e2e/electron/app.spec.ts › launch, switch tenant and create a tenant in the Electron app',
  reason: 'Electron e2e skipped: the download failed',
}
const pooled: SkipRecord = { source: 'vitest', what: 'tests/integration/pooler.test.ts › behind PgBouncer › migrates', reason: 'no PgBouncer' }

describe('skip ledger', () => {
  it('records nothing outside the test command, and every skip inside it', () => {
    recordSkip(pooled, {})
    expect(readSkips(dir)).toEqual([])
    recordSkip(pooled, { SCHEMATA_SKIP_LEDGER: dir })
    recordSkip(electron, { SCHEMATA_SKIP_LEDGER: dir })
    expect(readSkips(dir)).toEqual(expect.arrayContaining([pooled, electron]))
    expect(readSkips(path.join(dir, 'missing'))).toEqual([])
  })

  it('sums the skips up in one line, grouped by reason', () => {
    expect(skipVerdict([], {}).line).toBe('Skipped: nothing.')
    const line = skipVerdict([pooled, { ...pooled, what: 'b' }, { ...pooled, what: 'c' }, { ...pooled, what: 'd' }, electron], {}).line
    expect(line).not.toContain('\n')
    expect(line).toBe(
      `Skipped 5: 4 × ${pooled.what}, b and 2 more — no PgBouncer; 1 × ${electron.what} — Electron e2e skipped: the download failed.`,
    )
  })

  it('under CI refuses every skip but the Electron suite, and only under CI', () => {
    expect(skipVerdict([pooled, electron], { CI: 'true' }).refused).toEqual([pooled])
    expect(skipVerdict([electron, { source: 'electron', what: 'the Electron suite', reason: 'no display' }], { CI: '1' }).refused).toEqual([])
    expect(skipVerdict([pooled], {}).refused).toEqual([])
    expect(skipVerdict([pooled], { CI: 'false' }).refused).toEqual([])
    expect([isCi({ CI: 'true' }), isCi({ CI: '1' }), isCi({ CI: '' }), isCi({ CI: '0' }), isCi({})]).toEqual([true, true, false, false, false])
  })
})
