import { useEffect, useLayoutEffect, useRef, useState, type HTMLAttributes, type ReactNode } from 'react'

/*
 * A windowing list with a fixed row height: the scroll area is as tall as all
 * rows, but only the rows in view (plus a few either side) exist in the DOM,
 * so 5,000 tenants cost what 20 do.
 */

export interface VirtualListProps<T> extends Omit<HTMLAttributes<HTMLDivElement>, 'children'> {
  items: readonly T[]
  rowHeight: number
  getKey: (item: T, index: number) => string
  /** Renders one row; the list wraps it in an absolutely positioned slot of `rowHeight`. */
  renderRow: (item: T, index: number) => ReactNode
  /** Rows rendered beyond each edge of the view, so fast scrolling does not flash empty space. */
  overscan?: number
  /** Keeps this row in view whenever it changes (keyboard navigation). */
  scrollToIndex?: number
  /** The height assumed before layout has measured the list (and where nothing is laid out, as in happy-dom). */
  fallbackHeight?: number
}

/** The slice of rows to render for a scroll position; exported for tests. */
export function visibleRange(
  count: number,
  rowHeight: number,
  scrollTop: number,
  viewportHeight: number,
  overscan: number,
): { start: number; end: number } {
  const first = Math.floor(scrollTop / rowHeight)
  const inView = Math.ceil(viewportHeight / rowHeight) + 1
  const start = Math.max(0, first - overscan)
  const end = Math.min(count, first + inView + overscan)
  return { start, end: Math.max(start, end) }
}

export function VirtualList<T>({
  items,
  rowHeight,
  getKey,
  renderRow,
  overscan = 6,
  scrollToIndex,
  fallbackHeight = 720,
  style,
  ...rest
}: VirtualListProps<T>) {
  const ref = useRef<HTMLDivElement>(null)
  const [scrollTop, setScrollTop] = useState(0)
  const [height, setHeight] = useState(fallbackHeight)

  useLayoutEffect(() => {
    const element = ref.current
    if (!element) return
    const measure = () => setHeight(element.clientHeight > 0 ? element.clientHeight : fallbackHeight)
    measure()
    if (typeof ResizeObserver === 'undefined') return
    const observer = new ResizeObserver(measure)
    observer.observe(element)
    return () => observer.disconnect()
  }, [fallbackHeight])

  // A shorter list (a narrower search) may end above the old scroll position.
  useEffect(() => {
    const element = ref.current
    if (element && element.scrollTop > items.length * rowHeight) {
      element.scrollTop = 0
      setScrollTop(0)
    }
  }, [items.length, rowHeight])

  useEffect(() => {
    const element = ref.current
    if (!element || scrollToIndex === undefined || scrollToIndex < 0) return
    const top = scrollToIndex * rowHeight
    if (top < element.scrollTop) element.scrollTop = top
    else if (top + rowHeight > element.scrollTop + height) element.scrollTop = top + rowHeight - height
    setScrollTop(element.scrollTop)
  }, [scrollToIndex, rowHeight, height])

  const { start, end } = visibleRange(items.length, rowHeight, scrollTop, height, overscan)
  const rows: ReactNode[] = []
  for (let index = start; index < end; index++) {
    const item = items[index] as T
    rows.push(
      <div key={getKey(item, index)} role="presentation" className="virtual-row" style={{ position: 'absolute', top: index * rowHeight, left: 0, right: 0, height: rowHeight }}>
        {renderRow(item, index)}
      </div>,
    )
  }

  return (
    <div
      {...rest}
      ref={ref}
      style={{ ...style, overflowY: 'auto', position: 'relative' }}
      onScroll={(event) => {
        const top = event.currentTarget.scrollTop
        // Re-render only when the first row changes, not on every pixel.
        if (Math.floor(top / rowHeight) !== Math.floor(scrollTop / rowHeight)) setScrollTop(top)
      }}
    >
      <div role="presentation" style={{ height: items.length * rowHeight, position: 'relative' }}>{rows}</div>
    </div>
  )
}
