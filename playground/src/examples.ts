/**
 * The example cell modules the editor offers, by name: their sources are the modules in
 * ./examples, which are type-checked with the playground, so every example compiles.
 */
import adaptiveLif from "./examples/adaptive-lif.ts?raw";
import gru from "./examples/gru.ts?raw";
import lstm from "./examples/lstm.ts?raw";
import snu from "./examples/snu.ts?raw";
import ssnu from "./examples/ssnu.ts?raw";

/** Each example's title in the menu and its source. The first is the default cell. */
export const EXAMPLES: readonly { readonly title: string; readonly source: string }[] = [
  { title: "SNU (spiking neural unit)", source: snu },
  { title: "sSNU (soft SNU)", source: ssnu },
  { title: "Adaptive LIF", source: adaptiveLif },
  { title: "LSTM", source: lstm },
  { title: "GRU", source: gru },
];
