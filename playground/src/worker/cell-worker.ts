/**
 * The cell worker: runs the editor's cell module and everything asked of it (analysis, Compare,
 * Train) off the page's thread. A cell that never returns blocks only this worker; the page
 * terminates it and starts another (see worker-client.ts).
 */
import { ALGORITHM_NAMES } from "@ostl/ostl";
import type { Analysis, Request, Reply } from "../protocol.js";
import { cellError, loadCellModule } from "./cell-module.js";
import { compareCell } from "./compare.js";
import { equationsHtml } from "./equations.js";
import { structureOf } from "./structure.js";
import { trainCell } from "./training.js";

const send = (reply: Reply) => postMessage(reply);

/** The structure of the cell, and its derived page (or why it has none: the structure stands without it). */
async function analysisOf(source: string): Promise<Analysis> {
  const cell = await loadCellModule(source);
  const structure = structureOf(cell);
  try {
    return { structure, equationsHtml: equationsHtml(cell), equationsError: null, algorithms: ALGORITHM_NAMES };
  } catch (error) {
    return { structure, equationsHtml: null, equationsError: cellError(error).message, algorithms: ALGORITHM_NAMES };
  }
}

async function answer(request: Request): Promise<void> {
  try {
    switch (request.kind) {
      case "analyze":
        send({ id: request.id, kind: "done", result: await analysisOf(request.source) });
        break;
      case "compare":
        send({ id: request.id, kind: "done", result: compareCell(await loadCellModule(request.source), request.layers) });
        break;
      case "train": {
        const cell = await loadCellModule(request.source);
        const summary = await trainCell(cell, request.task, request.algorithm, request.epochs, (progress) => send({ id: request.id, kind: "progress", progress }));
        send({ id: request.id, kind: "done", result: summary });
        break;
      }
    }
  } catch (error) {
    send({ id: request.id, kind: "failed", error: cellError(error) });
  }
}

onmessage = (event: MessageEvent<Request>) => void answer(event.data);
