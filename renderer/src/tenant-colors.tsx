import { createContext, useContext, useMemo, type ReactNode } from 'react'
import { fallbackColors, paletteColors, type TenantColors } from './lib/tenant-color.ts'

/*
 * A tenant's colour depends on its place in the tenant order, so whoever
 * paints one asks here. Outside a workspace (a component rendered alone) a
 * schema gets the colour its name hashes to.
 */

type ColorOf = (schema: string) => TenantColors

const TenantColorsContext = createContext<ColorOf>(fallbackColors)

/** Gives every tenant in `places` the palette colour of its place; other schemas get their name's. */
export function TenantColorsProvider({ places, children }: { places: ReadonlyMap<string, number>; children: ReactNode }) {
  const colorOf = useMemo<ColorOf>(() => {
    const cache = new Map<string, TenantColors>()
    return (schema) => {
      let colors = cache.get(schema)
      if (colors === undefined) {
        const place = places.get(schema)
        colors = place === undefined ? fallbackColors(schema) : paletteColors(place)
        cache.set(schema, colors)
      }
      return colors
    }
  }, [places])
  return <TenantColorsContext.Provider value={colorOf}>{children}</TenantColorsContext.Provider>
}

/** The function that gives a schema its colours. */
export function useTenantColors(): ColorOf {
  return useContext(TenantColorsContext)
}
