#!/usr/bin/env node
import { main } from "./main.js";

// a closed pipe (`ostl compare | head`) ends the output quietly
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});
process.exitCode = await main(process.argv.slice(2));
