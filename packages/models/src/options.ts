/**
 * Validation of cell option objects: option bags come from code and from the command line alike,
 * so a misspelt option must fail loudly instead of being ignored. The check is the one every
 * `@ostl/ostl` algorithm uses for its own options.
 *
 * @module
 */
export { checkOptions } from "@ostl/ostl";
