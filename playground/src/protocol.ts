/**
 * The messages between the page and the cell worker. Every request carries an id; the worker
 * answers with that id, once (`done` or `failed`), after any number of `progress` messages.
 */

/** The tasks Train can run, all generated here from a seed. */
export type TaskName = "copy" | "add" | "polyphony";

/** What the page asks of the worker. */
export type Request =
  | { readonly id: number; readonly kind: "analyze"; readonly source: string }
  | { readonly id: number; readonly kind: "compare"; readonly source: string; readonly layers: number }
  | { readonly id: number; readonly kind: "train"; readonly source: string; readonly task: TaskName; readonly algorithm: string; readonly epochs: number };

/** One parameter's row in the structure analysis. */
export interface ParamRow {
  readonly name: string;
  readonly shape: readonly number[];
  readonly reach: string;
  readonly layout: string;
  readonly traceFloats: number;
}

/** The structure of a cell in a one-layer network, as the structure analysis proves it. */
export interface StructureSummary {
  readonly cell: string;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly temporalJacobian: "diagonal" | "dense";
  /** Pattern of each next-state field (rows) against each previous-state field (columns). */
  readonly temporal: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly stateFields: readonly string[];
  readonly params: readonly ParamRow[];
  /** Floats carried from step to step: RTRL's influence matrix, OSTL's traces. */
  readonly floatsPerStep: { readonly rtrl: number; readonly ostl: number };
  readonly flopsPerStep: { readonly bptt: number; readonly rtrl: number; readonly ostl: number };
}

/** The analysis of the editor's cell: its structure and its derived page as HTML (or why there is none). */
export interface Analysis {
  readonly structure: StructureSummary;
  readonly equationsHtml: string | null;
  readonly equationsError: string | null;
  /** The registered gradient algorithms, in the registry's order: what Train can use. */
  readonly algorithms: readonly string[];
}

/** One algorithm's figures against BPTT on the seeded sequence. */
export interface AlgorithmFigures {
  readonly name: string;
  readonly title: string;
  /** Per layer, bottom first; empty when the algorithm does not apply. */
  readonly cosine: readonly number[];
  readonly relError: readonly number[];
  readonly msPerStep: number | null;
  /** Floats carried between steps (trace or influence floats; BPTT's tape, which grows with T). */
  readonly floats: number;
  readonly notApplicable: string | null;
}

/** The comparison of every registered algorithm on one network. */
export interface Comparison {
  readonly cell: string;
  readonly layers: number;
  readonly hiddenSize: number;
  readonly T: number;
  readonly seed: number;
  readonly algorithms: readonly AlgorithmFigures[];
  /** Milliseconds the whole comparison took in the worker. */
  readonly elapsedMs: number;
}

/** One finished epoch of training. */
export interface EpochPoint {
  readonly epoch: number;
  readonly train: number;
  readonly valid: number;
  readonly seconds: number;
}

/** The hidden layer's outputs over a few validation sequences: `values[t][i]`, and whether they are all 0 or 1. */
export interface HiddenActivity {
  readonly values: readonly (readonly number[])[];
  readonly spiking: boolean;
}

/** Progress of a training run: an epoch's losses and the hidden layer's activity after it. */
export interface TrainProgress {
  readonly point: EpochPoint;
  readonly activity: HiddenActivity;
}

/** The end of a training run: what its loss means. */
export interface TrainSummary {
  readonly metric: string;
}

/** An error in the user's cell or in what it was asked to do, at a line of the editor when known. */
export interface CellError {
  readonly message: string;
  /** 1-based line and column in the editor, when the error could be placed. */
  readonly line: number | null;
  readonly column: number | null;
}

/** What the worker answers. */
export type Reply =
  | { readonly id: number; readonly kind: "progress"; readonly progress: TrainProgress }
  | { readonly id: number; readonly kind: "done"; readonly result: Analysis | Comparison | TrainSummary }
  | { readonly id: number; readonly kind: "failed"; readonly error: CellError };
