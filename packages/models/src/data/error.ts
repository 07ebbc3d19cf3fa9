/**
 * The error a data file raises when it cannot be used.
 *
 * @module
 */
import { ValueError } from "@ostl/core";

/**
 * A missing, unreadable or malformed data file: the message starts with the file name and names
 * the field at fault.
 *
 * @example
 * ```ts
 * import { DataFileError, parseJsbChorales } from "@ostl/models";
 * try {
 *   parseJsbChorales('{"train": []}', "mine.json");
 * } catch (e) {
 *   console.log(e instanceof DataFileError, (e as Error).message);
 *   // true mine.json: field 'train' must be a non-empty list of sequences, got an empty list
 * }
 * ```
 */
export class DataFileError extends ValueError {
  /** The file at fault. */
  readonly file: string;

  constructor(file: string, message: string) {
    super(file, message);
    this.file = file;
  }
}
