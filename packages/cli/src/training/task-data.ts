import { ValueError } from "@ostl/core";
import { adding, addTask, copyTask, type Dataset } from "@ostl/models";
import { UsageError } from "../command.js";
import type { TaskName } from "./config.js";
import { jsbDataPath, readJsbDataset } from "./jsb-data.js";

/**
 * The data set of a task: the JSB Chorales read from `dataPath` (or `OSTL_DATA`, or the cache),
 * or a synthetic task generated from `seed` with its options (`taskOptions`).
 *
 * @throws {@link UsageError} for a bad task option (named as its flag) or an unreadable JSB file.
 * @example
 * ```ts
 * import { loadTaskData } from "@ostl/cli";
 * const { data, file } = loadTaskData("add", { length: 20, examples: [4, 2, 2] }, 0, null);
 * console.log(data.name, data.train.length, file); // add 4 null
 * ```
 */
export function loadTaskData(task: TaskName, options: Readonly<Record<string, unknown>>, seed: number, dataPath: string | null): { data: Dataset; file: string | null } {
  if (task === "jsb") {
    const source = jsbDataPath(dataPath ?? undefined);
    return { data: readJsbDataset(source), file: source.path };
  }
  const withSeed = { ...options, seed } as never;
  try {
    return { data: task === "copy" ? copyTask(withSeed) : task === "add" ? addTask(withSeed) : adding(withSeed), file: null };
  } catch (error) {
    if (error instanceof ValueError) throw new UsageError(error.message.replace(/option '(\w+)(\[\d\])?'/, "--$1"));
    throw error;
  }
}
