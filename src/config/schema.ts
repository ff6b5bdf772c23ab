/**
 * Every setting Latchkey reads at start, with its default and a one-line description. The file
 * (YAML) and the environment are merged, then validated here; a bad setting is named in the
 * error together with what is wrong with it.
 */
import { z } from 'zod';
import { bareAddress } from '../notify/address.ts';
import { isPhoneRegion } from '../notify/phone.ts';
import { allowFromSchema } from './allow-from-schema.ts';
import { backupsSchema } from './backups-schema.ts';
import { breachedPasswordsSchema } from './breached-passwords-schema.ts';
import { campaignsSchema } from './campaigns-schema.ts';
import { DEFAULT_QUESTIONS } from './default-questions.ts';
import { factorsSchema } from './factors-schema.ts';
import { pinnedGroupFields } from './group-entry-schema.ts';
import { helpSchema } from './help-schema.ts';
import { menuSchema } from './menu-schema.ts';
import { noticesSchema } from './notices-schema.ts';
import { notificationTextsSchema } from './notification-texts-schema.ts';
import { passwordPolicySchema } from './password-policy-schema.ts';
import { remindersSchema } from './reminders-schema.ts';

const minutes = (fallback: number) =>
  z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60)
    .default(fallback);
const limit = (max: number, windowMinutes: number) =>
  z
    .strictObject({
      /** Attempts allowed within the window. */
      max: z.number().int().min(1).max(100_000).default(max),
      windowMinutes: minutes(windowMinutes),
    })
    .prefault({});

/** Codes that may be sent within an hour and within a day (fixed windows from the first send). */
const sendCap = (perHour: number, perDay: number) =>
  z
    .strictObject({
      perHour: z.number().int().min(1).max(1000).default(perHour),
      perDay: z.number().int().min(1).max(10_000).default(perDay),
    })
    .prefault({})
    .refine((cap) => cap.perDay >= cap.perHour, { message: 'perDay must not be below perHour', path: ['perDay'] });

const ldapUrl = z.string().regex(/^ldaps?:\/\/[^/\s]+\/?$/i, 'must be ldaps://host[:port] or ldap://host[:port]');

const attributeName = z.string().regex(/^[A-Za-z][A-Za-z0-9-]*$/, 'must be an LDAP attribute name');

/** What Latchkey needs before it can read anything else: only the config file and environment set these. */
const bootstrapShape = {
  server: z
    .strictObject({
      /** Listen address. */
      host: z.string().min(1).default('127.0.0.1'),
      /** Listen port (0: any free port). */
      port: z.number().int().min(0).max(65_535).default(8080),
      /** The address users reach the portal at; links in e-mails are built from it, never from Host. */
      publicUrl: z.url({ protocol: /^https?$/ }).optional(),
      /** Proxies (IPs or CIDRs) whose X-Forwarded-For is believed for the client's address. */
      trustedProxies: z.array(z.string().min(1)).default([]),
      /** HTTPS served by Latchkey: PEM key and chain, or a PKCS#12 (PFX) file; default <dataDir>/tls/ from `latchkey init`. */
      tls: z
        .strictObject({
          certFile: z.string().min(1).optional(),
          keyFile: z.string().min(1).optional(),
          pfxFile: z.string().min(1).optional(),
          pfxPassword: z.string().optional(),
        })
        .refine((tls) => (tls.certFile && tls.keyFile && !tls.pfxFile) || (tls.pfxFile && !tls.certFile && !tls.keyFile), {
          message: 'give certFile and keyFile, or pfxFile (with pfxPassword)',
        })
        .optional(),
      /** Which clients HTTPS serves (Mozilla's profiles): intermediate = TLS 1.3, and TLS 1.2 with ECDHE and AEAD ciphers; modern = TLS 1.3 only. */
      tlsProfile: z.enum(['intermediate', 'modern']).default('intermediate'),
      /** Also listen for plain HTTP on this port, only to redirect to HTTPS. */
      httpRedirectPort: z.number().int().min(1).max(65_535).optional(),
      /** Serve plain HTTP because a TLS-terminating proxy is in front (say so explicitly; it is logged). */
      behindTlsProxy: z.boolean().default(false),
      /** Addresses (IPs or CIDRs) allowed to read /metrics. */
      metricsAllowFrom: allowFromSchema(['127.0.0.1', '::1']),
      /** Processes serving the portal on this machine, sharing its port and database: a number, or auto (one per core). */
      workers: z.preprocess((v) => (typeof v === 'number' ? String(v) : v), z.string().regex(/^(auto|[1-9][0-9]?)$/, 'must be 1 to 99, or auto')).default('1'),
    })
    .prefault({}),
  /** Folder for the SQLite database, the master key and the generated web certificate. */
  dataDir: z.string().min(1).default('./data'),
  database: z
    .strictObject({
      /** postgres:// URL; unset means a SQLite file in dataDir (DATABASE_URL sets it too). */
      url: z
        .string()
        .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
        .optional(),
    })
    .prefault({}),
  ui: z
    .strictObject({
      /** Shown in page titles and e-mails. */
      organisation: z.string().min(1).max(100).default('Latchkey'),
      /** A folder with strings/<language>.json and views/*.eta that override the built-in ones. */
      overridesDir: z.string().min(1).optional(),
      language: z
        .string()
        .regex(/^[a-z]{2}(-[A-Z]{2})?$/)
        .default('en'),
    })
    .prefault({}),
  log: z.strictObject({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') }).prefault({}),
  admin: z
    .strictObject({
      /** The AD group (DN or name) whose members may use the admin console. */
      group: z.string().min(1).default('Latchkey Admins'),
      /** Client addresses (IPs, CIDRs; after trusted proxies) allowed into /admin; empty: every address. A file setting, so the console cannot lock its admins out. */
      allowFrom: allowFromSchema(),
    })
    .prefault({}),
  /** The master key that encrypts the secrets in the database (default: <dataDir>/master.key). */
  masterKeyFile: z.string().min(1).optional(),
  /** The breached-password index `latchkey breached import` writes (default: <dataDir>/breached-passwords.idx); instances may share it. */
  breachedIndexFile: z.string().min(1).optional(),
};

/**
 * Everything else: stored in the database and edited in the admin console. Values in the config
 * file are the initial ones, imported at the first start; later the console is the source.
 */
const runtimeShape = {
  directory: z.strictObject({
    /** Domain controllers, tried in order. */
    urls: z.array(ldapUrl).min(1),
    /** Upgrade ldap:// URLs with StartTLS; without it Latchkey sends no password. */
    startTls: z.boolean().default(true),
    /** PEM file of the CA that issued the DC certificates (default: the system's store). */
    caFile: z.string().min(1).optional(),
    /** The same CA certificate(s) pasted as PEM text (the console's way to give one). */
    caPem: z
      .string()
      .regex(/-----BEGIN CERTIFICATE-----/, 'must be PEM text with -----BEGIN CERTIFICATE-----')
      .optional(),
    /** SHA-256 fingerprint of the DC certificate, instead of a CA. */
    fingerprint: z
      .string()
      .regex(/^(sha-?256[:=]?)?([0-9a-f]{2}:?){31}[0-9a-f]{2}$/i, 'must be a SHA-256 fingerprint (64 hex digits)')
      .optional(),
    /** The name on the DC certificate when the URLs use another (e.g. an IP address). */
    serverName: z.string().min(1).optional(),
    /** The service account: DN, user@domain or DOMAIN\name. */
    bindDn: z.string().min(1),
    bindPassword: z.string().min(1),
    /** Where users are looked up (and so who may use the portal); default: the whole domain. */
    searchBases: z.array(z.string().min(3)).default([]),
    timeoutMs: z.number().int().min(500).max(120_000).default(10_000),
    /** The doctor warns when the service account's password is older than this. */
    serviceAccountMaxPasswordAgeDays: z.number().int().min(1).max(3650).default(180),
  }),
  enrollment: z
    .strictObject({
      /** Questions users choose from. */
      questions: z.array(z.string().trim().min(5).max(200)).min(1).default(DEFAULT_QUESTIONS),
      /** How many questions each user answers when enrolling. */
      questionsToEnroll: z.number().int().min(0).max(10).default(3),
      /** Users may write their own questions. */
      customQuestions: z.boolean().default(false),
      minAnswerLength: z.number().int().min(1).max(100).default(3),
      /** Accounts without enrolled answers verify by a code to the directory's mail or mobile (the code then comes first for every name). */
      autoEnroll: z.boolean().default(false),
    })
    .prefault({}),
  verification: z
    .strictObject({
      /** How many enrolled questions reset and unlock ask (chosen at random, one per page). */
      questionsToAsk: z.number().int().min(0).max(10).default(2),
      /** A one-time code must be entered too. */
      requireCode: z.boolean().default(true),
      /** Where codes may go. */
      channels: z
        .array(z.enum(['email', 'sms']))
        .min(1)
        .default(['email', 'sms']),
    })
    .prefault({})
    // Neither questions nor a code would let anyone reset anyone's password.
    .refine((verification) => verification.requireCode || verification.questionsToAsk > 0, {
      message: 'with requireCode off, questionsToAsk must be at least 1: otherwise nothing would be proven',
      path: ['questionsToAsk'],
    }),
  /**
   * Which ways of proving who you are reset and unlock take, and how many of them. Unset: the
   * questions and the code as the verification section says (the behaviour before factors).
   */
  factors: factorsSchema.optional(),
  codes: z
    .strictObject({
      lifetimeMinutes: minutes(10),
      /** Wrong codes before the attempt is locked (even the right code is then refused). */
      maxFailures: z.number().int().min(1).max(20).default(5),
      /** Wait before another code may be sent in the same attempt. */
      resendCooldownSeconds: z.number().int().min(0).max(3600).default(30),
      /** Codes sent to one e-mail address or mobile number, by every flow and the helpdesk together. */
      perDestination: sendCap(5, 10),
      /** Codes sent for one account, to all its addresses together. */
      perAccount: sendCap(5, 10),
    })
    .prefault({}),
  protection: z
    .strictObject({
      /** First steps of reset and unlock, and password tries, per source address; also its wrong answers and codes. */
      perIp: limit(30, 15),
      /** Password tries per account name (every spelling alike) on the pages that ask for one; a success starts over. */
      perUser: limit(5, 15),
      /** Wrong answers and codes before the portal (not AD) locks the account out, and for how long. */
      portalLockout: z
        .strictObject({
          maxWrongAnswers: z.number().int().min(1).max(50).default(5),
          coolDownMinutes: minutes(30),
        })
        .prefault({}),
      /**
       * Wrong answers and codes in a row for one account (no success, no quiet day between)
       * before self-service pauses for it until a day passes without one; the helpdesk still helps.
       */
      maxConsecutiveFailures: z.number().int().min(1).max(100).default(100),
      /** The first step of reset and unlock answers after a random delay in this range. */
      responseDelayMs: z
        .strictObject({ min: z.number().int().min(0).max(10_000).default(400), max: z.number().int().min(0).max(20_000).default(900) })
        .prefault({})
        .refine((range) => range.max >= range.min, { message: 'max must not be below min', path: ['max'] }),
      /** An invisible field that only bots fill in. */
      honeypot: z.boolean().default(true),
      /** Let privileged (protected) accounts use self-service. */
      allowProtectedAccounts: z.boolean().default(false),
    })
    .prefault({}),
  reset: z
    .strictObject({
      /** Clear a lockout with the reset (a reset also unlocks; needs write on lockoutTime). */
      unlockOnReset: z.boolean().default(true),
      /** Set "must change password at next logon" after a self-service reset. */
      mustChangeAfterReset: z.boolean().default(false),
      /** E-mail the owner after a self-service reset or unlock (every other notice: the notices section). */
      notifyUser: z.boolean().default(true),
    })
    .prefault({}),
  selfService: z
    .strictObject({
      /** Attributes a signed-in user sees on their profile page. */
      viewAttributes: z
        .array(attributeName)
        .default(['displayName', 'title', 'department', 'manager', 'mail', 'telephoneNumber', 'mobile', 'physicalDeliveryOfficeName']),
      /** Attributes a signed-in user may change (the service account needs write on them). */
      editableAttributes: z.array(attributeName).default(['mobile', 'telephoneNumber']),
      /** Signed-in sessions (self-service and helpdesk) end after this long without a request. */
      idleMinutes: z.number().int().min(1).max(480).default(15),
    })
    .prefault({}),
  helpdesk: z
    .strictObject({
      /** Helpdesk groups (name, DN or SID) and the OUs their members may act in. */
      groups: z
        .array(
          z.strictObject({
            ...pinnedGroupFields,
            scopes: z.array(z.string().min(3)).min(1),
            /** Members may act on privileged (protected) accounts in their scopes. */
            allowProtected: z.boolean().default(false),
            /** Operators may act on this group's members (off: they are refused, as admins always are). */
            membersMayBeHelped: z.boolean().default(false),
          }),
        )
        .default([]),
      /** Before a reset the operator must verify the caller (a code read out, or the answers). */
      requireCallerVerification: z.boolean().default(true),
      /** Wrong caller answers and codes per account, from any operator and across codes, before caller checks stop for the cool-down. */
      callerLockout: z
        .strictObject({
          maxWrong: z.number().int().min(1).max(50).default(10),
          coolDownMinutes: minutes(24 * 60),
        })
        .prefault({}),
      /** Length of passwords the helpdesk generates. */
      generatedPasswordLength: z.number().int().min(12).max(64).default(16),
      /** Client addresses (IPs, CIDRs; after trusted proxies) allowed into /helpdesk; empty: every address. */
      allowFrom: allowFromSchema(),
    })
    .prefault({}),
  passwordPolicy: passwordPolicySchema,
  smtp: z
    .strictObject({
      host: z.string().min(1),
      port: z.number().int().min(1).max(65_535).default(587),
      security: z.enum(['starttls', 'tls', 'none']).default('starttls'),
      user: z.string().min(1).optional(),
      password: z.string().min(1).optional(),
      from: z.string().min(3),
      caFile: z.string().min(1).optional(),
    })
    .optional(),
  sms: z
    .discriminatedUnion('provider', [
      z.strictObject({
        provider: z.literal('twilio'),
        accountSid: z.string().regex(/^AC[0-9a-f]{32}$/i, 'must be a Twilio Account SID (AC + 32 hex digits)'),
        authToken: z.string().min(1),
        from: z.string().min(3),
        apiBase: z.url({ protocol: /^https?$/ }).optional(),
      }),
      z.strictObject({
        provider: z.literal('http'),
        url: z.url({ protocol: /^https?$/ }),
        method: z.enum(['POST', 'GET']).default('POST'),
        headers: z.record(z.string(), z.string()).default({}),
        body: z.string().default(''),
        contentType: z.string().optional(),
      }),
    ])
    .optional(),
  phone: z
    .strictObject({
      /** The country (US, GB, DE …) of mobile numbers typed without + and a country code; unset: every number needs its country code. */
      defaultRegion: z
        .string()
        .trim()
        .toUpperCase()
        .refine(isPhoneRegion, 'must be a two-letter country code (ISO 3166-1 alpha-2) such as US, GB or DE')
        .optional(),
    })
    .prefault({}),
  audit: z
    .strictObject({
      /** Audit entries older than this are purged by a daily job (0 keeps them for ever). */
      retentionDays: z.number().int().min(0).max(36_500).default(400),
      /** Off: the self-service trail keeps only refusals, failures and the portal's defences (recorder.ts isRecorded). */
      selfService: z.boolean().default(true),
    })
    .prefault({}),
  notifications: z
    .strictObject({
      /** Where warnings for the admins go (certificates about to expire). */
      adminEmails: z
        .array(
          z
            .string()
            .trim()
            .refine((address) => bareAddress(address) === address, 'must be one e-mail address, without a name or brackets'),
        )
        .default([]),
      /** The admin's wording of e-mails and texts, by resource-string key (mail.reset.body …), per language. */
      texts: notificationTextsSchema,
    })
    .prefault({}),
  breachedPasswords: breachedPasswordsSchema,
  menu: menuSchema,
  help: helpSchema,
  backups: backupsSchema,
  notices: noticesSchema,
  campaigns: campaignsSchema,
  reminders: remindersSchema,
};

/** The settings that live in the database, validated (every section, directory included). */
export const runtimeSchema = z.strictObject(runtimeShape);

/** The names of the settings sections the console edits. */
export const RUNTIME_SECTIONS = Object.keys(runtimeShape) as (keyof typeof runtimeShape)[];

/** The directory section as the config file may hold it once the database has the settings (its values then ignored; the first start's import checks it whole). */
export const fileDirectorySchema = runtimeShape.directory.partial({ urls: true, bindDn: true, bindPassword: true });

/** The config file and environment: start-up settings, and initial values of the others. */
export const configSchema = z
  .strictObject({ ...bootstrapShape, ...runtimeShape, directory: fileDirectorySchema.optional() })
  .refine((config) => !(config.server.tls && config.server.behindTlsProxy), {
    message: 'cannot be true together with server.tls (HTTPS by Latchkey, or plain HTTP behind a TLS-terminating proxy): keep one',
    path: ['server', 'behindTlsProxy'],
  });

/** The validated configuration file and environment. */
export type Config = z.infer<typeof configSchema> & {
  /**
   * The database-kept settings the file or environment names, as leaf paths: after the first
   * start they are compared with the database's, which are in force.
   */
  readonly givenSettings?: readonly (readonly string[])[];
};
/** The validated settings kept in the database. */
export type RuntimeSettings = z.infer<typeof runtimeSchema>;
/** The password rules of Latchkey's own, on top of the directory's. */
export type PasswordPolicySettings = RuntimeSettings['passwordPolicy'];
/** One group's stricter password rules. */
export type PasswordPolicyGroup = PasswordPolicySettings['groups'][number];
/** One configured helpdesk group. */
export type HelpdeskGroup = RuntimeSettings['helpdesk']['groups'][number];
export type RuntimeSection = (typeof RUNTIME_SECTIONS)[number];
/** What a config file may hold before defaults are applied. */
export type ConfigInput = z.input<typeof configSchema>;
