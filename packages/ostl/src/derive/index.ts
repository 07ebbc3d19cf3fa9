export { deriveCell } from "./derive.js";
export type { Derivation, DeriveOptions, JacobianBlock, JacobianSource, BlockForm, Quantity, QuantityKind, CellEquation } from "./model.js";
export { DeriveError, symbolicRules, type SymbolicRule, type ScalarRule, type IndexRule, type IndexProduct, type IndexFactor, type NoRule, type RuleContext, type ParamsOf } from "./rules.js";
export type { Index } from "./expr.js";
export { DerivationEvaluator, checkDerivation, randomPoint, type DerivationPoint, type DerivationCheck } from "./evaluate.js";
export { quantityTex, expressionTex, indexLetters } from "./tex.js";
export { ostlCost, type OstlCost, type ParamCost, type CostRow } from "./cost.js";
export { renderCellPage, type PageOptions } from "./page.js";
