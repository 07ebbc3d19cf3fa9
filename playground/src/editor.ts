/**
 * The code editor: CodeMirror 6 with TypeScript highlighting, lines wrapped (no horizontal
 * scrolling on a narrow screen), Tab left to move the focus on, and errors marked at their line.
 */
import { basicSetup } from "codemirror";
import { javascript } from "@codemirror/lang-javascript";
import { type Diagnostic, setDiagnostics } from "@codemirror/lint";
import { EditorView } from "@codemirror/view";

/** The editor in `parent`, calling `onChange` with the source after every edit. */
export function createEditor(parent: HTMLElement, source: string, onChange: (source: string) => void): EditorView {
  return new EditorView({
    parent,
    doc: source,
    extensions: [
      basicSetup,
      javascript({ typescript: true }),
      EditorView.lineWrapping,
      EditorView.contentAttributes.of({ "aria-label": "cell module (TypeScript)" }),
      EditorView.updateListener.of((update) => {
        if (update.docChanged) onChange(update.state.doc.toString());
      }),
    ],
  });
}

/** Replaces the whole source. */
export function setSource(view: EditorView, source: string): void {
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: source } });
}

/** Marks an error at a 1-based line (and column), or clears the marks when `at` is null. */
export function markError(view: EditorView, at: { line: number; column: number | null; message: string } | null): void {
  const diagnostics: Diagnostic[] = [];
  if (at !== null && at.line >= 1 && at.line <= view.state.doc.lines) {
    const line = view.state.doc.line(at.line);
    const from = at.column === null ? line.from : Math.min(line.to, line.from + Math.max(0, at.column - 1));
    diagnostics.push({ from, to: Math.max(from, line.to), severity: "error", message: at.message });
  }
  view.dispatch(setDiagnostics(view.state, diagnostics));
}

/** Moves the cursor to a 1-based line and focuses the editor. */
export function goToLine(view: EditorView, line: number): void {
  const target = view.state.doc.line(Math.min(Math.max(1, line), view.state.doc.lines));
  view.dispatch({ selection: { anchor: target.from }, scrollIntoView: true });
  view.focus();
}
