const money = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' })

/** Integer cents as a currency amount: 129900 → "$1,299.00". */
export function formatCents(cents: number): string {
  return money.format(cents / 100)
}

/** Cents as the plain number an amount field starts with: 4999 → "49.99". */
export function centsToInput(cents: number): string {
  return (cents / 100).toFixed(2)
}

const dateTime = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short' })

/** An ISO timestamp as a short local date and time; the raw text when it does not parse. */
export function formatTimestamp(iso: string): string {
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? iso : dateTime.format(date)
}

/** Bytes in the largest unit that keeps the number readable. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  const units = ['kB', 'MB', 'GB', 'TB']
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`
}

/** The message of anything thrown. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message
  return String(error)
}
