/**
 * The compiled programs of a network's step, made once per network and cached: `jit` then keeps
 * one program per signature (batch shape, dtype) inside each.
 *
 * @module
 */
import * as core from "@ostl/core";
import { jit, type Jitted, SignatureCache, signatureOf, type Tensor, type Tree, ValueReadError, dtypeOf, vjp } from "@ostl/autodiff";
import type { Network, NetworkParams, NetworkState } from "../model/network.js";
import type { TensorRecord } from "../model/cell.js";
import { FactoredStepVjp } from "./factored-vjp.js";

/**
 * One step's loss, next state and logits (the readout's output), as {@link StepPrograms.stepLoss} returns them.
 *
 * @example
 * ```ts
 * import { Network, StepPrograms, type StepLoss } from "@ostl/ostl";
 * import { PRNG, tensor } from "@ostl/core";
 * import { mse, rnn } from "@ostl/models";
 * const net = new Network({ inputSize: 2, layers: [{ cell: rnn(), hiddenSize: 3 }], outputSize: 1, loss: mse });
 * const out: StepLoss = StepPrograms.of(net).stepLoss(net.init(new PRNG(0)), net.initialState(), tensor([1, 0]), tensor([0.5]));
 * console.log(out.loss.size, Object.keys(out.state.layer0!), out.logits.shape); // 1 ["h"] [1]
 * ```
 */
export type StepLoss = {
  readonly loss: core.NDArray;
  readonly state: NetworkState;
  readonly logits: core.NDArray;
};

/**
 * One step's loss and its learning signal at the top layer's output, as
 * {@link StepPrograms.readoutSignal} returns them.
 *
 * @example
 * ```ts
 * import { Network, StepPrograms, type ReadoutSignal } from "@ostl/ostl";
 * import { PRNG, tensor } from "@ostl/core";
 * import { mse, rnn } from "@ostl/models";
 * const net = new Network({ inputSize: 2, layers: [{ cell: rnn(), hiddenSize: 3 }], outputSize: 1, loss: mse });
 * const params = net.init(new PRNG(0));
 * const out: ReadoutSignal = StepPrograms.of(net).readoutSignal(params.readout!, tensor([0.5, -1, 2]), tensor([1]));
 * console.log(out.loss.shape, out.signal.shape, out.logitsCotangent.shape); // [] [3] [1]
 * ```
 */
export type ReadoutSignal = {
  readonly loss: core.NDArray;
  /** ∂E/∂y = W_roᵀ ḡ, y the top layer's output. */
  readonly signal: core.NDArray;
  /** ḡ = ∂E/∂logits: the readout's gradient is ḡ yᵀ for W_ro and ḡ for b_ro, which the caller accumulates. */
  readonly logitsCotangent: core.NDArray;
};

/**
 * The compiled step of a network, with its loss, and that step's VJP:
 * - `stepLoss(params, state, x, target)` → `{ loss, state }` (fresh: views into one array made by
 *   the call, which a caller may keep);
 * - `stepLossVjp(params, state, x, target, stateCotangent)` → `[∂/∂params, ∂/∂state]` of
 *   `loss + ⟨stateCotangent, next state⟩`, the forward step recomputed inside the program, so a
 *   tape keeps only each step's previous state, input and target. Its outputs are the program's
 *   own buffers (`reuseOutputs`), overwritten by the next call: read them before calling again;
 * - `readoutSignal(readout, y, target)` → `{ loss, signal, logitsCotangent }`: the loss of the
 *   readout of the top layer's output y, its gradient ∂E/∂y (OSTL's learning signal at the top
 *   layer) and ∂E/∂logits, from one reverse pass; also the program's own buffers.
 *
 * The params (and the readout's) are fixed arguments of the programs (see `JitOptions`): their
 * float64 weight matrices are copied into the programs' WebAssembly memory and multiplied there,
 * copied again only when a call brings different arrays. New parameter values must come as new
 * arrays, as the optimizers make them; the algorithms and `evaluate` take a copy of the params
 * they are given ({@link Network.ownParams}), so a caller of those may write into its own.
 *
 * A step that reads the values of its traced arguments cannot be compiled: `jit` throws its
 * `ValueReadError` on the first call, and callers run the step interpreted instead.
 *
 * @example
 * ```ts
 * import { Network, StepPrograms } from "@ostl/ostl";
 * import { PRNG, tensor } from "@ostl/core";
 * import { mse, rnn } from "@ostl/models";
 * const net = new Network({ inputSize: 2, layers: [{ cell: rnn(), hiddenSize: 3 }], outputSize: 1, loss: mse });
 * const programs = StepPrograms.of(net);
 * const params = net.init(new PRNG(0));
 * const { loss, state } = programs.stepLoss(params, net.initialState(), tensor([1, 0]), tensor([0.5]));
 * const [dParams, dState] = programs.stepLossVjp(params, net.initialState(), tensor([1, 0]), tensor([0.5]), state);
 * console.log(loss.shape, dParams.layer0!.U!.shape, dState.layer0!.h!.shape, StepPrograms.of(net) === programs); // [] [3, 3] [3] true
 * ```
 */
export class StepPrograms {
  private static readonly cache = new WeakMap<Network, StepPrograms>();

  readonly stepLoss: Jitted<[NetworkParams, NetworkState, Tensor, Tensor], StepLoss>;
  readonly stepLossVjp: Jitted<[NetworkParams, NetworkState, Tensor, Tensor, NetworkState], [NetworkParams, NetworkState]>;
  readonly readoutSignal: Jitted<[TensorRecord, Tensor, Tensor], ReadoutSignal>;

  private constructor(readonly network: Network) {
    const stepLoss = (params: NetworkParams, state: NetworkState, x: Tensor, target: Tensor): StepLoss => {
      const out = network.step(params, state, x);
      return { loss: network.spec.loss(out.logits, target) as core.NDArray, state: out.state, logits: out.logits as core.NDArray };
    };
    // params: fixed arguments (see the class's contract)
    // one array per call holds the loss and the next state (views at offsets)
    this.stepLoss = jit(stepLoss, { fixedArguments: [0], outputsInOneArray: true });
    this.stepLossVjp = jit(
      (params: NetworkParams, state: NetworkState, x: Tensor, target: Tensor, stateCotangent: NetworkState) => {
        const lossAndState = (p: NetworkParams, s: NetworkState) => {
          const r = stepLoss(p, s, x, target);
          return { loss: r.loss, state: r.state } as unknown as Tree;
        };
        const [out, pullback] = vjp(lossAndState, params, state) as unknown as [
          StepLoss,
          (cotangent: Tree) => [NetworkParams, NetworkState],
        ];
        return pullback({ loss: core.ones([], dtypeOf(out.loss) ?? "float64"), state: stateCotangent } as unknown as Tree);
      },
      { reuseOutputs: true, fixedArguments: [0] },
    );
    this.readoutSignal = jit((readout: TensorRecord, y: Tensor, target: Tensor) => readoutSignalOf(network, readout, y, target), { reuseOutputs: true, fixedArguments: [0] });
  }

  private readonly factored = new SignatureCache<{ readonly vjp: FactoredStepVjp | null }>();

  /**
   * The backward step with the factored weights' gradients left out (see {@link FactoredStepVjp})
   * for the signature of these arguments, made on first use; null when the step reads the values
   * of its traced arguments.
   */
  factoredVjp(params: NetworkParams, state: NetworkState, x: Tensor, target: Tensor): FactoredStepVjp | null {
    const key = signatureOf([params, state, x, target] as Tree[]).key;
    const entry = this.factored.find(key) ?? this.factored.add(key, { vjp: FactoredStepVjp.make(this.network, params, state, x, target) });
    return entry.vjp;
  }

  /** The programs of `network` (made on first use, then shared). */
  static of(network: Network): StepPrograms {
    let programs = StepPrograms.cache.get(network);
    if (programs === undefined) StepPrograms.cache.set(network, (programs = new StepPrograms(network)));
    return programs;
  }
}

/**
 * The loss of the readout of y and its reverse pass, ∂E/∂logits and ∂E/∂y: the function
 * {@link StepPrograms.readoutSignal} compiles, and what runs interpreted when the loss reads the
 * values of its arguments (then `jit` cannot trace it).
 *
 * @example
 * ```ts
 * import { Network, readoutSignalOf } from "@ostl/ostl";
 * import { PRNG, tensor } from "@ostl/core";
 * import { mse, rnn } from "@ostl/models";
 * const net = new Network({ inputSize: 2, layers: [{ cell: rnn(), hiddenSize: 3 }], outputSize: 1, loss: mse });
 * const { signal } = readoutSignalOf(net, net.init(new PRNG(0)).readout!, tensor([0, 0, 0]), tensor([0]));
 * console.log([...signal.data]); // [0, 0, 0]
 * ```
 */
export function readoutSignalOf(network: Network, readout: TensorRecord, y: Tensor, target: Tensor): ReadoutSignal {
  const [logits, readoutPullback] = vjp((top: Tensor) => network.readout({ readout }, top), y);
  const [loss, lossPullback] = vjp((l: Tensor) => network.spec.loss(l, target), logits);
  const [logitsCotangent] = lossPullback(core.ones([], dtypeOf(loss) ?? "float64"));
  const [signal] = readoutPullback(logitsCotangent!);
  return { loss: loss as core.NDArray, signal: signal as core.NDArray, logitsCotangent: logitsCotangent as core.NDArray };
}

/**
 * An algorithm's source of the readout's loss and learning signal: the compiled program
 * {@link StepPrograms.readoutSignal}, or {@link readoutSignalOf} interpreted once the loss proved
 * to read the values of its arguments (then for the rest of this source's life). Its results are
 * the program's own buffers: read them before the next call.
 *
 * @example
 * ```ts
 * import { Network, ReadoutSignals } from "@ostl/ostl";
 * import { PRNG, tensor } from "@ostl/core";
 * import { mse, rnn } from "@ostl/models";
 * const net = new Network({ inputSize: 2, layers: [{ cell: rnn(), hiddenSize: 3 }], outputSize: 1, loss: mse });
 * const { loss, signal } = new ReadoutSignals(net).of(net.init(new PRNG(0)).readout!, tensor([1, 2, 3]), tensor([0]));
 * console.log(loss.item() > 0, signal.shape); // true [3]
 * ```
 */
export class ReadoutSignals {
  private compiled = true;

  constructor(private readonly network: Network) {}

  of(readout: TensorRecord, y: Tensor, target: Tensor): ReadoutSignal {
    if (this.compiled) {
      try {
        return StepPrograms.of(this.network).readoutSignal(readout, y, target);
      } catch (error) {
        if (!(error instanceof ValueReadError)) throw error;
        this.compiled = false;
      }
    }
    return readoutSignalOf(this.network, readout, y, target);
  }
}
