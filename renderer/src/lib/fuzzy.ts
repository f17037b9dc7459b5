/**
 * Scores `query` as a subsequence of `text` (case-insensitive): undefined when
 * it is not one, else higher for matches at word starts and in runs. Each
 * place the first letter occurs is tried as a start, so "corp" finds the word
 * in "Acme Corporation" rather than the c of "Acme". Enough for a palette over
 * a few thousand tenants without an index.
 */
export function fuzzyScore(query: string, text: string): number | undefined {
  const q = query.toLowerCase()
  const t = text.toLowerCase()
  if (q.length === 0) return 0
  let best: number | undefined
  for (let start = t.indexOf(q[0] as string); start >= 0; start = t.indexOf(q[0] as string, start + 1)) {
    const score = scoreFrom(q, t, start)
    if (score === undefined) break // no later start can match either
    if (best === undefined || score > best) best = score
  }
  // Prefer shorter texts when the match is equally good.
  return best === undefined ? undefined : best - t.length * 0.01
}

function scoreFrom(q: string, t: string, start: number): number | undefined {
  let score = 0
  let ti = start
  let previous = -2
  let run = 0
  for (const ch of q) {
    const found = t.indexOf(ch, ti)
    if (found < 0) return undefined
    const atWordStart = found === 0 || /[\s_\-.]/.test(t[found - 1] as string)
    run = found === previous + 1 ? run + 1 : 0
    score += 1 + (atWordStart ? 8 : 0) + run * 4 + (found === 0 ? 6 : 0)
    previous = found
    ti = found + 1
  }
  return score
}

/** Filters and ranks `items` by the best score over the texts `keys` gives for each. */
export function fuzzyFilter<T>(items: readonly T[], query: string, keys: (item: T) => string[]): T[] {
  const trimmed = query.trim()
  if (trimmed === '') return [...items]
  const scored: { item: T; score: number; index: number }[] = []
  items.forEach((item, index) => {
    let best: number | undefined
    for (const key of keys(item)) {
      const s = fuzzyScore(trimmed, key)
      if (s !== undefined && (best === undefined || s > best)) best = s
    }
    if (best !== undefined) scored.push({ item, score: best, index })
  })
  scored.sort((a, b) => b.score - a.score || a.index - b.index)
  return scored.map((s) => s.item)
}
