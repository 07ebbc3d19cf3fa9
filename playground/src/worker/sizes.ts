/**
 * The sizes of the network the playground studies a cell in: the structure analysis, the
 * derived equations and Compare all use them, so their figures describe the same network.
 */
export const SIZES = { inputSize: 4, hiddenSize: 16, outputSize: 2 } as const;

/** Compare's seeded sequence: its length and seed (the seed of the parameters; the data takes the next). */
export const COMPARE_SEQUENCE = { T: 50, seed: 0 } as const;
