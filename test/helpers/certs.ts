import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Files and contents of the certificates made by {@link generateTestCertificates}. */
export interface TestCertificates {
  /** PEM of the CA that signed the server certificate. */
  readonly ca: Buffer;
  readonly caFile: string;
  /** PEM of the server certificate (SAN IP:127.0.0.1, DNS:localhost) and its key. */
  readonly cert: Buffer;
  readonly certFile: string;
  readonly key: Buffer;
  readonly keyFile: string;
  /** PEM of a second CA that signed nothing: trusting only it must fail to verify the server. */
  readonly untrustedCa: Buffer;
  readonly untrustedCaFile: string;
}

const SERVER_EXTENSIONS = [
  'subjectAltName=IP:127.0.0.1,DNS:localhost',
  'basicConstraints=critical,CA:FALSE',
  'keyUsage=critical,digitalSignature,keyEncipherment',
  'extendedKeyUsage=serverAuth',
].join('\n');

/** P-256 keys: generated in milliseconds, unlike RSA. */
const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/**
 * Generates, with `openssl` in `dir`, a CA, a server certificate it signs for 127.0.0.1/localhost,
 * and an unrelated CA for negative tests. Valid for two days; takes well under a second.
 */
export async function generateTestCertificates(dir: string): Promise<TestCertificates> {
  const file = (name: string) => join(dir, name);
  await Promise.all([
    makeCa(dir, 'ca', 'koa-mqtt test CA'),
    makeCa(dir, 'untrusted-ca', 'koa-mqtt untrusted CA'),
  ]);
  await run('openssl', [
    'req',
    '-new',
    ...EC_KEY,
    '-keyout',
    file('server.key'),
    '-out',
    file('server.csr'),
    '-subj',
    '/CN=localhost',
  ]);
  await writeFile(file('server.ext'), `${SERVER_EXTENSIONS}\n`);
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    file('server.csr'),
    '-CA',
    file('ca.crt'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    file('server.ext'),
    '-out',
    file('server.crt'),
  ]);
  const [ca, cert, key, untrustedCa] = await Promise.all(
    ['ca.crt', 'server.crt', 'server.key', 'untrusted-ca.crt'].map((name) => readFile(file(name))),
  );
  return {
    ca: ca!,
    caFile: file('ca.crt'),
    cert: cert!,
    certFile: file('server.crt'),
    key: key!,
    keyFile: file('server.key'),
    untrustedCa: untrustedCa!,
    untrustedCaFile: file('untrusted-ca.crt'),
  };
}

async function makeCa(dir: string, name: string, commonName: string): Promise<void> {
  await run('openssl', [
    'req',
    '-x509',
    '-new',
    ...EC_KEY,
    '-keyout',
    join(dir, `${name}.key`),
    '-out',
    join(dir, `${name}.crt`),
    '-days',
    '2',
    '-subj',
    `/CN=${commonName}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
}
