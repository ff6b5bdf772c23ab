/**
 * The web certificate as a password-protected PFX (PKCS#12), the form Windows, IIS and other
 * password managers trade certificates in: `latchkey certificate export` writes the one Latchkey
 * serves with its key and chain, `latchkey certificate import` installs one as the certificate
 * `latchkey init` would have made. OpenSSL does the PKCS#12 work (no maintained npm package for it
 * is installed); the password reaches it in its environment, never on its command line.
 */
import { execFile } from 'node:child_process';
import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type { Config } from '../config/schema.ts';
import { createError } from '../errors.ts';
import { generatedCertificate } from './self-signed.ts';
import { certificateFiles, TlsFilesUnreadable } from './serving.ts';

/** The shortest PFX password accepted: the file holds the private key. */
export const MIN_PFX_PASSWORD_LENGTH = 12;

export const PfxNoCertificate = createError(
  'LK_PFX_NO_CERTIFICATE',
  'Latchkey serves no web certificate of its own (TLS ends at a proxy, or `latchkey init` was never run), so there is none to export.',
  400,
);

export const PfxPasswordWeak = createError<{ minimum: number }>(
  'LK_PFX_PASSWORD_WEAK',
  (d) => `A PFX holds the private key, so its password must have at least ${d.minimum} characters. Choose a longer one.`,
  400,
);

export const PfxPassword = createError<{ file: string }>(
  'LK_PFX_PASSWORD',
  (d) => `The password does not open the PFX file ${d.file}. Type the password it was exported with. Nothing was changed.`,
  400,
);

export const PfxUnreadable = createError<{ file: string; reason: string }>(
  'LK_PFX_UNREADABLE',
  (d) => `${d.file} cannot be read as a PFX (PKCS#12) file (${d.reason}). Check that it is the right, complete file. Nothing was changed.`,
  400,
);

export const PfxInvalid = createError<{ file: string; reason: string }>(
  'LK_PFX_INVALID',
  (d) => `The certificate in ${d.file} cannot be served: ${d.reason}. Export a valid certificate with its private key. Nothing was changed.`,
  400,
);

export const PfxConfigured = createError(
  'LK_PFX_CONFIGURED',
  'server.tls names the certificate files Latchkey serves, so an imported one would not be used. ' +
    'Replace those files instead, or remove server.tls to serve the imported certificate. Nothing was changed.',
  400,
);

export const PfxWriteFailed = createError<{ file: string; reason: string }>(
  'LK_PFX_FILE',
  (d) => `${d.file} cannot be written (${d.reason}). Check the folder's path, permissions and free space.`,
  500,
);

export const PfxOpensslMissing = createError(
  'LK_PFX_OPENSSL',
  'The certificate commands need the openssl program, which is not installed or not on PATH. Install it (apt install openssl) and run the command again. Nothing was changed.',
  500,
);

/** The certificate chain (the server's first) and its private key, as PEM text. */
export interface PemPair {
  cert: string;
  key: string;
}

const PASSWORD_VARIABLE = 'LATCHKEY_PFX_SECRET';

/** Runs openssl with the password in its environment; resolves with stdout, rejects with stderr's first line. */
function openssl(args: string[], password: string): Promise<Buffer> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      'openssl',
      args,
      { encoding: 'buffer', env: { PATH: process.env.PATH, [PASSWORD_VARIABLE]: password }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (!error) return resolvePromise(stdout);
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return reject(PfxOpensslMissing({}));
        const reason = stderr.toString().trim().split('\n')[0] || error.message;
        reject(Object.assign(new Error(reason), { code: (error as NodeJS.ErrnoException).code }));
      },
    );
  });
}

/** Writes `data` to `file` through a temporary file beside it: the file appears whole or not at all. */
async function replaceFile(file: string, data: string | Buffer, mode: number): Promise<void> {
  const temporary = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  try {
    await writeFile(temporary, data, { mode, flag: 'w' });
    await chmod(temporary, mode);
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw PfxWriteFailed({ file, reason: (error as NodeJS.ErrnoException).code ?? String(error) }, { cause: error });
  }
}

/** The web certificate Latchkey serves, as PEM: init's or server.tls's (its PFX opened with server.tls.pfxPassword). */
export async function servedCertificate(config: Config): Promise<PemPair> {
  const files = certificateFiles(config);
  if (!files) throw PfxNoCertificate({});
  if (files.pfxFile) return (await readPfx(files.pfxFile, files.pfxPassword ?? '')).pem;
  const read = (file: string) =>
    readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw TlsFilesUnreadable({ file, reason: error.code ?? error.message }, { cause: error });
    });
  return { cert: await read(files.certFile!), key: await read(files.keyFile!) };
}

/** Writes `pem` to `file` as a PFX under `password`, created 0600 (replacing the file only once it is whole). */
export async function writePfx(pem: PemPair, file: string, password: string): Promise<void> {
  if ([...password].length < MIN_PFX_PASSWORD_LENGTH) throw PfxPasswordWeak({ minimum: MIN_PFX_PASSWORD_LENGTH });
  const work = await mkdtemp(join(tmpdir(), 'latchkey-pfx-'));
  try {
    await writeFile(join(work, 'cert.pem'), pem.cert, { mode: 0o600 });
    await writeFile(join(work, 'key.pem'), pem.key, { mode: 0o600 });
    const pfx = await openssl(
      [
        'pkcs12',
        '-export',
        '-in',
        join(work, 'cert.pem'),
        '-inkey',
        join(work, 'key.pem'),
        '-name',
        'Latchkey web certificate',
        '-passout',
        `env:${PASSWORD_VARIABLE}`,
      ],
      password,
    ).catch((error: Error) => {
      if (PfxOpensslMissing.is(error)) throw error;
      throw PfxInvalid({ file: 'the served certificate', reason: error.message }, { cause: error });
    });
    await replaceFile(resolve(file), pfx, 0o600);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The PEM blocks of one kind in openssl's output. */
const pemBlocks = (text: string, label: string) => text.match(new RegExp(`-----BEGIN ${label}-----[^-]+-----END ${label}-----`, 'g')) ?? [];

/** A PFX opened: its PEM (the certificate matching the key first, then the rest of the chain) and the server certificate. */
export interface OpenedPfx {
  pem: PemPair;
  certificate: X509Certificate;
}

/** Opens `file` with `password`; the coded errors say whether the password, the file or its contents are at fault. */
export async function readPfx(file: string, password: string): Promise<OpenedPfx> {
  const args = ['pkcs12', '-in', file, '-nodes', '-passin', `env:${PASSWORD_VARIABLE}`];
  const text = await openssl(args, password)
    // Older Windows exports use RC2 or 3DES, which OpenSSL 3 reads only with its legacy provider.
    .catch((error: Error) => (/unsupported/i.test(error.message) ? openssl([...args, '-legacy'], password) : Promise.reject(error)))
    .then((out) => out.toString('utf8'))
    .catch((error: Error) => {
      if (PfxOpensslMissing.is(error)) throw error;
      if (/mac verify|invalid password/i.test(error.message)) throw PfxPassword({ file });
      throw PfxUnreadable({ file, reason: error.message }, { cause: error });
    });
  const keys = [...pemBlocks(text, 'PRIVATE KEY'), ...pemBlocks(text, 'RSA PRIVATE KEY'), ...pemBlocks(text, 'EC PRIVATE KEY')];
  if (keys.length !== 1) throw PfxInvalid({ file, reason: keys.length ? 'it holds more than one private key' : 'it holds no private key' });
  let key: KeyObject;
  try {
    key = createPrivateKey(keys[0]!);
  } catch (error) {
    throw PfxInvalid({ file, reason: `its private key cannot be read (${(error as Error).message})` }, { cause: error });
  }
  let chain: { pem: string; certificate: X509Certificate }[];
  try {
    chain = pemBlocks(text, 'CERTIFICATE').map((pem) => ({ pem, certificate: new X509Certificate(pem) }));
  } catch (error) {
    throw PfxInvalid({ file, reason: `a certificate in it cannot be read (${(error as Error).message})` }, { cause: error });
  }
  const server = chain.find((entry) => entry.certificate.checkPrivateKey(key));
  if (!server) throw PfxInvalid({ file, reason: 'its private key belongs to none of its certificates' });
  const rest = chain.filter((entry) => entry !== server).map((entry) => entry.pem);
  return { pem: { cert: `${[server.pem, ...rest].join('\n')}\n`, key: `${keys[0]}\n` }, certificate: server.certificate };
}

/** `latchkey certificate export`: the served certificate, its key and chain to `file`. Returns its SHA-256 fingerprint. */
export async function exportCertificate(config: Config, file: string, password: string): Promise<string> {
  const pem = await servedCertificate(config);
  await writePfx(pem, file, password);
  return new X509Certificate(pem.cert).fingerprint256;
}

/**
 * `latchkey certificate import`: checks `file` (password, key matching the certificate, in its
 * validity period) and only then installs it where `latchkey init` puts its certificate; a
 * running portal swaps it in (it watches those files). Returns the installed certificate.
 */
export async function importCertificate(config: Config, file: string, password: string, now = Date.now()): Promise<X509Certificate> {
  if (config.server.tls) throw PfxConfigured({});
  const path = resolve(file);
  const { pem, certificate } = await readPfx(path, password);
  if (new Date(certificate.validTo).getTime() < now) throw PfxInvalid({ file: path, reason: `it expired on ${certificate.validTo}` });
  if (new Date(certificate.validFrom).getTime() > now) throw PfxInvalid({ file: path, reason: `it is valid only from ${certificate.validFrom}` });
  const target = generatedCertificate(config);
  await mkdir(dirname(target.certFile), { recursive: true, mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
    throw PfxWriteFailed({ file: dirname(target.certFile), reason: error.code ?? error.message }, { cause: error });
  });
  // The key first: a portal reloading between the two writes keeps its old pair (a mismatch is refused).
  await replaceFile(target.keyFile, pem.key, 0o600);
  await replaceFile(target.certFile, pem.cert, 0o644);
  return certificate;
}
