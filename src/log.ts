/** Where problems that need an administrator are written (pino-compatible). */
export interface Log {
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}
