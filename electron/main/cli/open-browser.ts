import { spawn } from 'node:child_process'

/** The command that opens a URL in the user's default browser on this platform. */
function platformOpener(platform: NodeJS.Platform): { command: string; args: string[] } {
  if (platform === 'darwin') return { command: 'open', args: [] }
  // No shell: `start` would read the URL's `&` as a command separator.
  if (platform === 'win32') return { command: 'rundll32', args: ['url.dll,FileProtocolHandler'] }
  return { command: 'xdg-open', args: [] }
}

/**
 * Opens `url` in the default browser without waiting for it: `$BROWSER` when
 * set (a command given the URL; `none` turns opening off, as in Vite and
 * create-react-app), else open / xdg-open / the Windows URL handler. Resolves
 * with undefined once the opener is under way, or with why it could not start
 * (the caller still prints the URL).
 */
export function openInBrowser(url: string, env: NodeJS.ProcessEnv = process.env, platform = process.platform): Promise<string | undefined> {
  const chosen = env.BROWSER?.trim()
  // The user asked for no browser: nothing to report.
  if (chosen === 'none') return Promise.resolve(undefined)
  const { command, args } = chosen ? { command: chosen, args: [] } : platformOpener(platform)
  return new Promise((resolve) => {
    let child
    try {
      child = spawn(command, [...args, url], { stdio: 'ignore', detached: true, env })
    } catch (error) {
      resolve(`${command} could not start (${error instanceof Error ? error.message : String(error)})`)
      return
    }
    // An opener that fails does so at once (not found, no browser configured); one that works may run for as long as the browser does.
    const settle = setTimeout(() => {
      child.unref()
      resolve(undefined)
    }, 1_500)
    child.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(settle)
      resolve(error.code === 'ENOENT' ? `${command} is not installed` : `${command} could not start (${error.message})`)
    })
    child.once('exit', (code) => {
      clearTimeout(settle)
      resolve(code === 0 ? undefined : `${command} exited with code ${code ?? 'null'}`)
    })
  })
}
