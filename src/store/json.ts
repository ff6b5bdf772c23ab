/**
 * JSON in TEXT columns: the same text on both databases, and errors that name what failed.
 */
import { reasonOf, StoreValueCorrupt, StoreValueNotJson } from './errors.ts';

/** `value` as JSON text; refuses what JSON cannot hold rather than storing "undefined". */
export function toJson(value: unknown, what: string): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw StoreValueNotJson({ what, reason: reasonOf(error) }, { cause: error });
  }
  if (text === undefined) throw StoreValueNotJson({ what, reason: `${typeof value} has no JSON form` });
  return text;
}

/** JSON text read back from a column. */
export function fromJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw StoreValueCorrupt({ what }, { cause: error });
  }
}
