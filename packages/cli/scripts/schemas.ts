/**
 * `pnpm schemas`: regenerates the JSON Schema file of every ostl format in `schemas/` at the
 * repository root from its zod schema (a test fails while the committed files differ from these).
 */
import { fileURLToPath } from "node:url";
import { writeSchemaFiles } from "../src/formats/schema-files.js";

for (const path of writeSchemaFiles(fileURLToPath(new URL("../../../schemas", import.meta.url)))) console.log(`wrote ${path}`);
