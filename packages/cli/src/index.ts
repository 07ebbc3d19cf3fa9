export { type Command, UsageError } from "./command.js";
export { main, commands } from "./main.js";
export { compareCommand } from "./commands/compare.js";
export { gradcheckCommand, runGradcheck, maxParamRelError, randomChunks, type GradcheckReport, type GradcheckResult } from "./commands/gradcheck.js";
export { parseFlags, numberFlag } from "./args.js";
export { formatTable } from "./table.js";
