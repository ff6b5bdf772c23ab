/**
 * The names of the counters the flows keep in the throttle table, all in one place: two rules
 * that count the same thing must use the same key, and two that do not must never share one.
 * `id` is an account's objectGUID or the keyed fingerprint of a typed name (typed-name.ts).
 */
export const limitKeys = {
  /** Reset and unlock starts from one address (starts never count against a name). */
  verificationStarts: (ip: string) => `verify-ip:${ip}`,
  /** Wrong answers and codes against an account or name: the portal lockout the helpdesk can see and end. */
  portalLockout: (id: string) => `answers:${id}`,
  /** Failures in a row against an account or name, however slowly they come: the long pause. */
  failureRun: (id: string) => `failure-run:${id}`,
  /** Wrong answers and codes from one address, whatever the names. */
  failuresFromAddress: (ip: string) => `failures-ip:${ip}`,
  /** Password tries from one address, on every page that takes an AD password. */
  passwordTriesFromAddress: (ip: string) => `password-ip:${ip}`,
  /** Password tries for one canonical name since its owner last signed in. */
  passwordTriesForName: (id: string) => `password-name:${id}`,
  /** Wrong caller checks of an account at the helpdesk, from any operator. */
  callerChecks: (guid: string) => `caller-checks:${guid}`,
  /** A caller verification an operator started for an account and that has not passed yet. */
  callerVerifying: (operatorGuid: string, guid: string) => `caller-verifying:${operatorGuid}:${guid}`,
  /** A passkey challenge (by its fingerprint) once an answer to it came in: each is answered once, on any instance. */
  passkeyChallenge: (fingerprint: string) => `passkey-challenge:${fingerprint}`,
  /** Codes sent to a destination or for an account, per hour or day (send-caps.ts). */
  sends: (scope: 'destination' | 'account', window: 'hour' | 'day', subject: string) => `sends-${scope}-${window}:${subject}`,
} as const;
