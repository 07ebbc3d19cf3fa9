export { type Command, UsageError } from "./command.js";
export { main, commands } from "./main.js";
export { compareCommand } from "./commands/compare.js";
