import { autocompletion, completionKeymap } from '@codemirror/autocomplete'
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands'
import { PostgreSQL, sql } from '@codemirror/lang-sql'
import { bracketMatching, defaultHighlightStyle, syntaxHighlighting } from '@codemirror/language'
import { setDiagnostics } from '@codemirror/lint'
import { Compartment, EditorSelection, EditorState, Prec } from '@codemirror/state'
import { EditorView, highlightActiveLine, keymap, lineNumbers, placeholder } from '@codemirror/view'
import { useEffect, useImperativeHandle, useRef, type Ref } from 'react'
import type { SqlCatalog } from '../../../contract/sql-console.ts'
import { completionNamespace } from './completion-schema.ts'

/** What the view asks of the editor. */
export interface SqlEditorHandle {
  text(): string
  /** The cursor's offset in the text. */
  cursor(): number
  /** Replaces the whole text (a statement picked from the history) and puts the cursor at its end. */
  setText(text: string): void
  focus(): void
}

/** A place in the text PostgreSQL pointed at, with its message. */
export interface SqlMark {
  offset: number
  message: string
}

export interface SqlEditorProps {
  initialText: string
  catalog: SqlCatalog | undefined
  /** Ctrl/Cmd+Enter. */
  onRun: () => void
  /** Marked in the text (underlined, with the message on hover) until the text changes or another mark replaces it. */
  mark: SqlMark | null
  ref?: Ref<SqlEditorHandle>
}

/** Where the mark ends: the rest of the word or quoted name it starts, at least one character. */
function markEnd(text: string, from: number): number {
  const rest = text.slice(from)
  const word = /^("(?:[^"]|"")*"|'(?:[^']|'')*'|[\w$]+)/.exec(rest)
  return Math.min(text.length, from + Math.max(1, word?.[0].length ?? 1))
}

/**
 * CodeMirror 6 with PostgreSQL's SQL dialect, completion of the tenant's
 * tables and columns from its catalog, and Ctrl/Cmd+Enter to run. The editor
 * owns its text (React does not re-render it on every key); the view reads it
 * through the handle when it runs.
 */
export function SqlEditor({ initialText, catalog, onRun, mark, ref }: SqlEditorProps) {
  const host = useRef<HTMLDivElement>(null)
  const view = useRef<EditorView | null>(null)
  const language = useRef(new Compartment())
  const onRunRef = useRef(onRun)
  onRunRef.current = onRun

  useEffect(() => {
    if (!host.current) return
    const editor = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: initialText,
        extensions: [
          // Above the default keymap and completion's Enter: Ctrl+Enter always runs.
          Prec.highest(
            keymap.of([
              {
                key: 'Mod-Enter',
                run: () => {
                  onRunRef.current()
                  return true
                },
              },
            ]),
          ),
          lineNumbers(),
          history(),
          bracketMatching(),
          highlightActiveLine(),
          syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
          language.current.of(sql({ dialect: PostgreSQL })),
          autocompletion(),
          keymap.of([...completionKeymap, ...defaultKeymap, ...historyKeymap]),
          placeholder('SELECT … — Ctrl/Cmd+Enter runs the statement under the cursor'),
          EditorView.contentAttributes.of({ 'aria-label': 'SQL', 'data-testid': 'sql-editor-input' }),
          EditorView.lineWrapping,
        ],
      }),
    })
    view.current = editor
    return () => {
      editor.destroy()
      view.current = null
    }
    // Created once: the text then belongs to the editor, not to React.
  }, [])

  useEffect(() => {
    const editor = view.current
    if (!editor) return
    const config = catalog ? { dialect: PostgreSQL, schema: completionNamespace(catalog), defaultSchema: catalog.schema } : { dialect: PostgreSQL }
    editor.dispatch({ effects: language.current.reconfigure(sql(config)) })
  }, [catalog])

  useEffect(() => {
    const editor = view.current
    if (!editor) return
    const text = editor.state.doc.toString()
    const diagnostics =
      mark === null || mark.offset > text.length
        ? []
        : [{ from: mark.offset, to: markEnd(text, mark.offset), severity: 'error' as const, message: mark.message, source: 'PostgreSQL' }]
    editor.dispatch(setDiagnostics(editor.state, diagnostics))
  }, [mark])

  useImperativeHandle(
    ref,
    () => ({
      text: () => view.current?.state.doc.toString() ?? '',
      cursor: () => view.current?.state.selection.main.head ?? 0,
      setText: (text) => {
        const editor = view.current
        if (!editor) return
        editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: text }, selection: EditorSelection.cursor(text.length) })
        editor.focus()
      },
      focus: () => view.current?.focus(),
    }),
    [],
  )

  return <div className="sql-editor" ref={host} data-testid="sql-editor" />
}
