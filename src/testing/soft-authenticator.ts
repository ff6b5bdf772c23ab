/**
 * A software authenticator for tests: one P-256 passkey made with node:crypto, answering
 * registration (attestation "none") and assertion options with the bytes a real authenticator
 * would send, so that attacks (another origin, another RP ID, no user verification, a counter
 * that steps back, a replay) can be performed without a browser. Every part can be overridden.
 */
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { isoCBOR } from '@simplewebauthn/server/helpers';

/** Authenticator data flags (WebAuthn §6.1). */
const UP = 0x01;
const UV = 0x04;
const BE = 0x08;
const BS = 0x10;
const AT = 0x40;

/** What an answer may be made to claim, for attacks. */
export interface Overrides {
  /** The origin the "browser" reports (default: the one given to the authenticator). */
  origin?: string;
  /** The RP ID whose hash goes into the authenticator data. */
  rpId?: string;
  /** Whether the user was verified (default true). */
  userVerified?: boolean;
  /** The signature counter to report (default: one more than the last). */
  counter?: number;
}

export interface SoftAuthenticator {
  /** The credential id, base64url. */
  readonly credentialId: string;
  /** The counter last reported. */
  readonly counter: number;
  /** Answers navigator.credentials.create() options (PublicKeyCredentialCreationOptionsJSON). */
  register(options: { challenge: string; rp: { id?: string } }, overrides?: Overrides): RegistrationResponseJSON;
  /** Answers navigator.credentials.get() options (PublicKeyCredentialRequestOptionsJSON). */
  assert(options: { challenge: string; rpId?: string }, overrides?: Overrides): AuthenticationResponseJSON;
}

function authenticatorData(rpId: string, flags: number, counter: number, attested?: Buffer): Buffer {
  const head = Buffer.alloc(37);
  createHash('sha256').update(rpId).digest().copy(head);
  head.writeUInt8(flags, 32);
  head.writeUInt32BE(counter, 33);
  return attested ? Buffer.concat([head, attested]) : head;
}

/** The public key as COSE (EC2, ES256, P-256). */
function coseKey(publicKey: KeyObject): Buffer {
  const jwk = publicKey.export({ format: 'jwk' });
  const map = new Map<number, number | Uint8Array>([
    [1, 2],
    [3, -7],
    [-1, 1],
    [-2, Buffer.from(jwk.x!, 'base64url')],
    [-3, Buffer.from(jwk.y!, 'base64url')],
  ]);
  return Buffer.from(isoCBOR.encode(map));
}

function clientData(type: 'webauthn.create' | 'webauthn.get', challenge: string, origin: string): Buffer {
  return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
}

/** A new authenticator holding one passkey, answering as if in a browser at `origin`. */
export function softAuthenticator(origin: string, options: { backedUp?: boolean } = {}): SoftAuthenticator {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const id = randomBytes(32);
  const credentialId = id.toString('base64url');
  const backup = options.backedUp ? BE | BS : 0;
  let counter = 0;
  const flagsOf = (overrides: Overrides) => UP | (overrides.userVerified === false ? 0 : UV) | backup;
  const rpIdOf = (given: string | undefined, overrides: Overrides) => overrides.rpId ?? given ?? new URL(origin).hostname;
  const nextCounter = (overrides: Overrides) => {
    counter = overrides.counter ?? counter + 1;
    return counter;
  };
  return {
    credentialId,
    get counter() {
      return counter;
    },
    register(request, overrides = {}) {
      const idLength = Buffer.alloc(2);
      idLength.writeUInt16BE(id.length);
      const attested = Buffer.concat([Buffer.alloc(16), idLength, id, coseKey(publicKey)]);
      const authData = authenticatorData(rpIdOf(request.rp.id, overrides), flagsOf(overrides) | AT, nextCounter(overrides), attested);
      const attestation = isoCBOR.encode(
        new Map<string, unknown>([
          ['fmt', 'none'],
          ['attStmt', new Map()],
          ['authData', authData],
        ]) as never,
      );
      return {
        id: credentialId,
        rawId: credentialId,
        type: 'public-key',
        response: {
          clientDataJSON: clientData('webauthn.create', request.challenge, overrides.origin ?? origin).toString('base64url'),
          attestationObject: Buffer.from(attestation).toString('base64url'),
          transports: ['internal'],
        },
        clientExtensionResults: {},
        authenticatorAttachment: 'platform',
      };
    },
    assert(request, overrides = {}) {
      const authData = authenticatorData(rpIdOf(request.rpId, overrides), flagsOf(overrides), nextCounter(overrides));
      const data = clientData('webauthn.get', request.challenge, overrides.origin ?? origin);
      const signature = sign('sha256', Buffer.concat([authData, createHash('sha256').update(data).digest()]), privateKey);
      return {
        id: credentialId,
        rawId: credentialId,
        type: 'public-key',
        response: {
          clientDataJSON: data.toString('base64url'),
          authenticatorData: authData.toString('base64url'),
          signature: signature.toString('base64url'),
        },
        clientExtensionResults: {},
        authenticatorAttachment: 'platform',
      };
    },
  };
}
