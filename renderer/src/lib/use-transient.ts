import { type Dispatch, type SetStateAction, useEffect, useState } from 'react'

/** State that clears itself `ms` after it was last set (a notice, a "responding again" line). */
export function useTransient<T>(ms: number): [T | undefined, Dispatch<SetStateAction<T | undefined>>] {
  const [value, setValue] = useState<T | undefined>(undefined)
  useEffect(() => {
    if (value === undefined) return
    const timer = setTimeout(() => setValue(undefined), ms)
    return () => clearTimeout(timer)
  }, [value, ms])
  return [value, setValue]
}
