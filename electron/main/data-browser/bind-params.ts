/**
 * Bind parameters of one statement, each remembered with the input field it
 * came from: when PostgreSQL refuses a value ("invalid input syntax for type
 * bigint", with "parameter $3" in its context) the error can name the field.
 */
export class BindParams {
  readonly values: unknown[] = []
  private readonly fields: string[] = []

  /** Adds a value and returns its placeholder (`$n`). */
  add(value: unknown, field: string): string {
    this.values.push(value)
    this.fields.push(field)
    return `$${this.values.length}`
  }

  /** The field of placeholder `$n`, if there is one. */
  fieldOf(placeholder: number): string | undefined {
    return this.fields[placeholder - 1]
  }
}
