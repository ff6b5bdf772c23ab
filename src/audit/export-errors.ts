/**
 * The coded errors of audit exports. Both are the caller's mistake (a format or a column the
 * web layer let through), so they answer 400 and name what is allowed.
 */
import { createError } from '../errors.ts';

export const AuditExportFormatUnknown = createError<{ format: string; allowed: string }>(
  'LK_AUDIT_EXPORT_FORMAT',
  (d) => `The audit trail cannot be exported as "${d.format}". Choose one of: ${d.allowed}.`,
  400,
);

export const AuditExportColumnsInvalid = createError<{ reason: string; allowed: string }>(
  'LK_AUDIT_EXPORT_COLUMNS',
  (d) => `The columns of the audit export are not usable: ${d.reason}. Choose one or more of: ${d.allowed}.`,
  400,
);
