/** Field errors: what is wrong with one typed value, named by a code the pages turn into words. */

/** A problem with what was typed, for the field it concerns; `code` names the message. */
export interface FieldError {
  field: string;
  code: string;
  params?: Record<string, string | number>;
}
