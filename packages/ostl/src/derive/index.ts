export { deriveCell, type Derivation, type DeriveOptions, type JacobianBlock, type JacobianSource, type BlockForm, type Quantity, type QuantityKind, type CellEquation } from "./derive.js";
export { DeriveError, symbolicRules, type SymbolicRule, type ScalarRule, type IndexRule, type NoRule, type RuleContext } from "./rules.js";
export { DerivationEvaluator, checkDerivation, randomPoint, type DerivationPoint, type DerivationCheck } from "./evaluate.js";
export { quantityTex, expressionTex, indexLetters } from "./tex.js";
export { ostlCost, type OstlCost, type ParamCost, type CostRow } from "./cost.js";
export { renderCellPage, type PageOptions } from "./page.js";
