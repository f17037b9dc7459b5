import path from 'node:path'

/** A path for messages: relative to the working directory when it is below it. */
export function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file)
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file
}
