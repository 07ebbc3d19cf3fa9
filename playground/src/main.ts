/**
 * The playground page: the editor's cell is analysed in the worker after every edit (debounced),
 * Compare and Train run there on demand, Stop and the time limit restart the worker, and the
 * share link carries the cell's source.
 */
import "katex/dist/katex.min.css";
import "./styles.css";
import { createEditor, goToLine, markError, setSource } from "./editor.js";
import { EXAMPLES } from "./examples.js";
import type { CellError, EpochPoint, HiddenActivity, TaskName } from "./protocol.js";
import { shareLink, sharedSource } from "./share-link.js";
import { compareView } from "./views/compare-view.js";
import { el } from "./views/dom.js";
import { structureView } from "./views/structure-view.js";
import { trainView } from "./views/train-view.js";
import { CellWorker, RequestError, TIME_LIMIT_SECONDS } from "./worker-client.js";

/** Milliseconds after the last keystroke before the cell is analysed. */
const DEBOUNCE_MS = 400;

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = byId<HTMLElement>("status");
const errorBox = byId<HTMLElement>("error");
const panels = { structure: byId("structure"), equations: byId("equations"), comparison: byId("comparison"), training: byId("training") };
const stopButton = byId<HTMLButtonElement>("stop");
const actionButtons = [byId<HTMLButtonElement>("compare"), byId<HTMLButtonElement>("train")];

byId("time-limit").textContent = String(TIME_LIMIT_SECONDS);
const worker = new CellWorker();
worker.onBusyChange = (busy) => {
  stopButton.disabled = !busy;
};

function showError(error: CellError | null): void {
  errorBox.hidden = error === null;
  errorBox.replaceChildren();
  markError(editor, error === null || error.line === null ? null : { line: error.line, column: error.column, message: error.message });
  if (error === null) return;
  const where = error.line === null ? "" : `line ${error.line}${error.column === null ? "" : `, column ${error.column}`}: `;
  errorBox.append(el("span", { class: "message" }, `${where}${error.message}`));
  if (error.line !== null) {
    const line = error.line;
    const jump = el("button", { type: "button" }, `Go to line ${line}`);
    jump.addEventListener("click", () => goToLine(editor, line));
    errorBox.append(jump);
  }
}

/** Runs a worker request, reporting its progress in the status line and its failure in the error box. */
async function run<T>(what: string, request: () => Promise<T>, stale: readonly HTMLElement[]): Promise<T | null> {
  status.textContent = `${what}…`;
  try {
    const result = await request();
    for (const p of stale) p.classList.remove("stale");
    showError(null);
    status.textContent = `${what}: done`;
    return result;
  } catch (error) {
    if (!(error instanceof RequestError)) throw error;
    for (const p of stale) p.classList.add("stale");
    showError(error.error);
    status.textContent = `${what}: failed`;
    return null;
  }
}

async function analyze(source: string): Promise<void> {
  const analysis = await run("Analysing the cell", () => worker.analyze(source), [panels.structure, panels.equations]);
  if (analysis === null) return;
  offerAlgorithms(analysis.algorithms);
  panels.structure.replaceChildren(structureView(analysis.structure));
  if (analysis.equationsHtml !== null) panels.equations.innerHTML = analysis.equationsHtml;
  else panels.equations.replaceChildren(el("p", {}, `No derived page for this cell: ${analysis.equationsError}`));
}

let debounce: ReturnType<typeof setTimeout> | null = null;
function sourceChanged(source: string): void {
  if (debounce !== null) clearTimeout(debounce);
  debounce = setTimeout(() => void analyze(source), DEBOUNCE_MS);
}

/** The cell the page opens with: the share link's, else the first example. */
function initialSource(): string {
  try {
    return sharedSource(location.hash) ?? EXAMPLES[0]!.source;
  } catch (error) {
    status.textContent = `The shared link could not be read (${(error as Error).message}); showing the first example.`;
    return EXAMPLES[0]!.source;
  }
}

const editor = createEditor(byId("editor"), initialSource(), sourceChanged);
const source = () => editor.state.doc.toString();

const exampleSelect = byId<HTMLSelectElement>("example");
exampleSelect.append(...EXAMPLES.map((e, i) => el("option", { value: String(i) }, e.title)));
exampleSelect.addEventListener("change", () => setSource(editor, EXAMPLES[Number(exampleSelect.value)]!.source));

const algorithmSelect = byId<HTMLSelectElement>("algorithm");
/** Fills the algorithm menu with the registered algorithms (once: the worker's registry does not change), OSTL chosen. */
function offerAlgorithms(names: readonly string[]): void {
  if (algorithmSelect.options.length > 0) return;
  algorithmSelect.append(...names.map((name) => el("option", name === "ostl" ? { value: name, selected: "" } : { value: name }, name)));
}

stopButton.addEventListener("click", () => worker.restart("stopped with the Stop button"));

byId("compare").addEventListener("click", async () => {
  const layers = Number(byId<HTMLSelectElement>("layers").value);
  const comparison = await run("Comparing the algorithms", () => worker.compare(source(), layers), [panels.comparison]);
  if (comparison !== null) panels.comparison.replaceChildren(compareView(comparison));
});

byId("train").addEventListener("click", async () => {
  const task = byId<HTMLSelectElement>("task").value as TaskName;
  const epochs = Number(byId<HTMLInputElement>("epochs").value);
  const points: EpochPoint[] = [];
  let activity: HiddenActivity | null = null;
  let metric = "";
  panels.training.replaceChildren(trainView(points, activity, metric));
  for (const b of actionButtons) b.disabled = true;
  const summary = await run(
    "Training",
    () =>
      worker.train(source(), { task, algorithm: algorithmSelect.value, epochs }, (progress) => {
        points.push(progress.point);
        activity = progress.activity;
        status.textContent = `Training: epoch ${progress.point.epoch} of ${epochs}`;
        panels.training.replaceChildren(trainView(points, activity, metric));
      }),
    [panels.training],
  );
  for (const b of actionButtons) b.disabled = false;
  if (summary !== null) {
    metric = summary.metric;
    panels.training.replaceChildren(trainView(points, activity, metric));
  }
});

byId("share").addEventListener("click", () => {
  const link = shareLink(source(), location.href);
  history.replaceState(null, "", link);
  const input = byId<HTMLInputElement>("share-link");
  input.value = link;
  byId("share-output").hidden = false;
  input.select();
  navigator.clipboard?.writeText(link).then(
    () => (status.textContent = "Link copied to the clipboard"),
    () => (status.textContent = "Link ready: copy it from the field"),
  );
});

void analyze(source());
