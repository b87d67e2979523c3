// The peer-authentication settings of the configuration (buildConfig hands them here): which files hold
// the member certificate, its key and the CA (sslQuorum), and which holds the shared secret. Only paths
// and switches are checked here; peer-credentials.ts reads the files when the server starts.
//
// Two spellings of the certificate files are accepted. Canopy's own: ssl.quorum.certFile, keyFile and
// caFile, one PEM each. ZooKeeper's, for configs carried over: ssl.quorum.keyStore.location (one PEM
// file holding the key and the certificate chain, with ssl.quorum.keyStore.type=PEM) and
// ssl.quorum.trustStore.location (the CA); JKS and PKCS12 stores are refused with a message saying so.
import { ConfigError, parseBoolean } from './config-values.js';

/** Where this server's member certificate, key and CA are, and how names are checked. */
export interface QuorumTlsFiles {
  /** PEM: this member's certificate, then any intermediates (may be the same file as keyFile). */
  certFile: string;
  keyFile: string;
  /** PEM: the CA certificate(s) every member's certificate chains to. */
  caFile: string;
  /** Passphrase of an encrypted key, given in the config (ssl.quorum.keyStore.password) or in a file (…passwordPath). */
  keyPassword?: string;
  keyPasswordFile?: string;
  /** The dialler checks that the acceptor's certificate names its server.N host (ZooKeeper's default: true). */
  hostnameVerification: boolean;
  /** With hostnameVerification, the acceptor checks that the dialler's certificate names the host of the member it claims to be. */
  clientHostnameVerification: boolean;
}

export interface PeerAuthConfig {
  /** sslQuorum=true: peer links over TLS with member certificates. */
  tls: QuorumTlsFiles | undefined;
  /** quorum.auth.secretFile: the shared secret's file. */
  secretFile: string | undefined;
}

export const NO_PEER_AUTH: PeerAuthConfig = Object.freeze({ tls: undefined, secretFile: undefined });

/** The raw values of the keys isPeerAuthKey accepts, as the file or the flags gave them. */
export type PeerAuthSettings = Record<string, string | number | boolean>;

const BOOLEAN_KEYS = new Set(['sslQuorum', 'ssl.quorum.hostnameVerification', 'ssl.quorum.clientHostnameVerification']);
const PATH_KEYS = new Set([
  'ssl.quorum.certFile', 'ssl.quorum.keyFile', 'ssl.quorum.caFile', 'ssl.quorum.keyStore.location', 'ssl.quorum.trustStore.location',
  'ssl.quorum.keyStore.passwordPath', 'quorum.auth.secretFile',
]);
const TEXT_KEYS = new Set(['ssl.quorum.keyStore.type', 'ssl.quorum.trustStore.type', 'ssl.quorum.keyStore.password', 'ssl.quorum.trustStore.password', 'ssl.quorum.clientAuth']);
/** ZooKeeper's SASL quorum authentication: named so that a carried-over config is told what to use instead. */
const SASL_KEYS = new Set([
  'quorum.auth.enableSasl', 'quorum.auth.learnerRequireSasl', 'quorum.auth.serverRequireSasl', 'quorum.auth.learner.saslLoginContext',
  'quorum.auth.server.saslLoginContext', 'quorum.auth.kerberos.servicePrincipal',
]);

export function isPeerAuthKey(key: string): boolean {
  return BOOLEAN_KEYS.has(key) || PATH_KEYS.has(key) || TEXT_KEYS.has(key) || SASL_KEYS.has(key);
}

function text(settings: PeerAuthSettings, key: string): string | undefined {
  const value = Object.hasOwn(settings, key) ? settings[key] : undefined;
  if (value === undefined) return undefined;
  const s = String(value).trim();
  if (s === '') throw new ConfigError(`${key} must not be empty`);
  return s;
}

function flag(settings: PeerAuthSettings, key: string, dflt: boolean): boolean {
  const value = Object.hasOwn(settings, key) ? settings[key] : undefined;
  return value === undefined ? dflt : parseBoolean(key, value);
}

/** Checks the peer-authentication keys and says what is missing or contradictory. */
export function buildPeerAuthConfig(settings: PeerAuthSettings): PeerAuthConfig {
  const sasl = Object.keys(settings).find((k) => SASL_KEYS.has(k));
  if (sasl !== undefined) {
    throw new ConfigError(`${sasl}: Canopy does not authenticate servers with SASL; use quorum.auth.secretFile (a shared secret) or sslQuorum=true (member certificates)`);
  }
  const secretFile = text(settings, 'quorum.auth.secretFile');
  const sslQuorum = flag(settings, 'sslQuorum', false);
  const tlsKeys = Object.keys(settings).filter((k) => k.startsWith('ssl.quorum.'));
  if (!sslQuorum) {
    if (tlsKeys.length > 0) throw new ConfigError(`${tlsKeys[0]} is set but sslQuorum is not true: set sslQuorum=true, or peer links run without TLS`);
    return { tls: undefined, secretFile };
  }
  return { tls: quorumTlsFiles(settings), secretFile };
}

function quorumTlsFiles(settings: PeerAuthSettings): QuorumTlsFiles {
  for (const key of ['ssl.quorum.keyStore.type', 'ssl.quorum.trustStore.type']) {
    const type = text(settings, key);
    if (type !== undefined && type.toUpperCase() !== 'PEM') {
      throw new ConfigError(`${key}=${type}: Canopy reads PEM files only (convert a keystore with keytool -importkeystore to PKCS12, then openssl pkcs12 -nodes)`);
    }
  }
  const clientAuth = text(settings, 'ssl.quorum.clientAuth');
  if (clientAuth !== undefined && clientAuth.toLowerCase() !== 'need') {
    throw new ConfigError(`ssl.quorum.clientAuth=${clientAuth}: peer links always require a member certificate (need)`);
  }
  const keyStore = text(settings, 'ssl.quorum.keyStore.location');
  const certFile = text(settings, 'ssl.quorum.certFile');
  const keyFile = text(settings, 'ssl.quorum.keyFile');
  if (keyStore !== undefined && (certFile !== undefined || keyFile !== undefined)) {
    throw new ConfigError('give either ssl.quorum.keyStore.location (key and certificate chain in one PEM file) or ssl.quorum.certFile and ssl.quorum.keyFile, not both');
  }
  if (keyStore === undefined && (certFile === undefined || keyFile === undefined)) {
    throw new ConfigError('sslQuorum=true needs this server\'s certificate and key: ssl.quorum.certFile and ssl.quorum.keyFile (or ssl.quorum.keyStore.location with both in one PEM file)');
  }
  const caFile = text(settings, 'ssl.quorum.caFile');
  const trustStore = text(settings, 'ssl.quorum.trustStore.location');
  if (caFile !== undefined && trustStore !== undefined) throw new ConfigError('give either ssl.quorum.caFile or ssl.quorum.trustStore.location, not both');
  if (caFile === undefined && trustStore === undefined) {
    throw new ConfigError('sslQuorum=true needs the CA that signs the member certificates: ssl.quorum.caFile (or ssl.quorum.trustStore.location)');
  }
  const keyPassword = text(settings, 'ssl.quorum.keyStore.password');
  const keyPasswordFile = text(settings, 'ssl.quorum.keyStore.passwordPath');
  if (keyPassword !== undefined && keyPasswordFile !== undefined) throw new ConfigError('give either ssl.quorum.keyStore.password or ssl.quorum.keyStore.passwordPath, not both');
  const hostnameVerification = flag(settings, 'ssl.quorum.hostnameVerification', true);
  return {
    certFile: (keyStore ?? certFile)!, keyFile: (keyStore ?? keyFile)!, caFile: (caFile ?? trustStore)!,
    ...(keyPassword !== undefined ? { keyPassword } : {}), ...(keyPasswordFile !== undefined ? { keyPasswordFile } : {}),
    hostnameVerification,
    // ZooKeeper ignores it unless hostnameVerification is on; so does Canopy.
    clientHostnameVerification: hostnameVerification && flag(settings, 'ssl.quorum.clientHostnameVerification', true),
  };
}
