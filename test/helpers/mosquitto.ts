import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { generateTestCertificates, type TestCertificates } from './certs.js';
import { findExecutable } from './executables.js';
import { mosquittoBinary } from './mosquitto-available.js';
import { type MosquittoConfigPlan, renderMosquittoConfig } from './mosquitto-config.js';
import {
  type DynamicSecurityOptions,
  findDynamicSecurityPlugin,
  writeDynamicSecurityConfig,
} from './mosquitto-dynsec.js';
import { freePorts } from './ports.js';
import { trackChild, trackDir, untrackDir } from './process-reaper.js';
import { withTimeout } from './wait.js';

/** Options of {@link startMosquitto}. Every broker gets its own temp dir and free ports. */
export interface MosquittoOptions {
  /** Username → password; written with `mosquitto_passwd`, and anonymous clients are refused. */
  users?: Readonly<Record<string, string>>;
  /**
   * Contents of the ACL file. Mosquitto 2.0 applies it to publishes and deliveries only: every
   * SUBSCRIBE is granted. For SUBACK failure codes use `dynamicSecurity`.
   */
  acl?: string;
  /** Users and ACLs through the dynamic-security plugin (checked at SUBSCRIBE). Excludes `users`/`acl`. */
  dynamicSecurity?: DynamicSecurityOptions;
  /** Keep sessions and queued messages in the temp dir across {@link MosquittoBroker.restart}. */
  persistence?: boolean;
  /** Seconds between saves of the persistence database (default 1; a SIGTERM saves too). */
  autosaveInterval?: number;
  /** Add a TLS listener with a CA and server certificate generated for this broker. */
  tls?: boolean;
  /** Add an MQTT-over-WebSocket listener. */
  websockets?: boolean;
  /** Mosquitto's per-client queue limit (its default is 1000). */
  maxQueuedMessages?: number;
  /** `log_type all` (every packet) instead of errors, warnings, notices and information. */
  logAll?: boolean;
  /**
   * Extra global configuration, placed before the listeners. Keep `connection_messages` on and
   * notices logged: readiness is read from the log.
   */
  extraConfig?: string;
  /** Options of the main (plain MQTT) listener, placed right after its `listener` line (`max_qos 1`). */
  listenerConfig?: string;
  /** How long a start (or restart) may take before it fails; default 5000 ms. */
  startTimeoutMs?: number;
}

/** A Mosquitto process of our own, with its config, logs and lifecycle. */
export interface MosquittoBroker {
  readonly host: string;
  readonly port: number;
  /** `mqtt://127.0.0.1:port`. */
  readonly url: string;
  /** TLS listener, CA that signed its certificate, and an unrelated CA (with `tls: true`). */
  readonly tlsPort: number | undefined;
  readonly tlsUrl: string | undefined;
  readonly ca: Buffer | undefined;
  readonly untrustedCa: Buffer | undefined;
  /** WebSocket listener (with `websockets: true`). */
  readonly wsPort: number | undefined;
  readonly wsUrl: string | undefined;
  /** The temp dir holding config, passwords, ACL, certificates and the persistence database. */
  readonly dir: string;
  readonly configFile: string;
  /** PID of the current process; undefined once it has exited. */
  readonly pid: number | undefined;
  readonly running: boolean;
  /** Everything the broker logged so far, across restarts. */
  logs(): string;
  /** SIGTERM (Mosquitto saves its database), then wait for the exit. No-op when not running. */
  stop(): Promise<void>;
  /** SIGKILL (nothing saved since the last autosave), then wait for the exit. */
  kill(): Promise<void>;
  /** Stops if running, then starts the same config on the same ports and waits until it listens. */
  restart(): Promise<void>;
  /** Stops and removes the temp dir. Idempotent. */
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
const LOG_LIMIT = 4 * 1024 * 1024;
const run = promisify(execFile);

/** A start that failed; `addressInUse` when a port was taken (the caller may retry). */
export class MosquittoStartError extends Error {
  readonly addressInUse: boolean;

  constructor(message: string, output: string) {
    super(`${message}\n--- mosquitto output ---\n${output.trim()}`);
    this.name = 'MosquittoStartError';
    this.addressInUse = /Address already in use/i.test(output);
  }
}

/**
 * Starts Mosquitto with a generated config in a fresh temp dir, on free ports, and resolves once it
 * is ready: it logged that it runs, its main loop logged accepting a probe connection, and every
 * listener accepts TCP. If a chosen port turns out to be taken, it picks new ones (three attempts).
 * Every process is killed, and its dir removed, when the test process exits.
 */
export async function startMosquitto(options: MosquittoOptions = {}): Promise<MosquittoBroker> {
  const bin = mosquittoBinary();
  if (!bin) throw new Error('startMosquitto: mosquitto is not installed');
  const dir = await mkdtemp(join(tmpdir(), 'koa-mqtt-mosquitto-'));
  trackDir(dir);
  try {
    const files = await writeAuthFiles(dir, options);
    const certs = options.tls ? await generateTestCertificates(dir) : undefined;
    for (let attempt = 1; ; attempt++) {
      const plan = await planListeners(options, files, certs, dir);
      const broker = new MosquittoProcess(bin, dir, plan, certs, options.startTimeoutMs ?? 5000);
      try {
        await broker.start();
        return broker;
      } catch (error) {
        if (!(error instanceof MosquittoStartError && error.addressInUse) || attempt >= 3) throw error;
      }
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    untrackDir(dir);
    throw error;
  }
}

type AuthFiles = Pick<MosquittoConfigPlan, 'passwordFile' | 'aclFile' | 'plugin'>;

async function writeAuthFiles(dir: string, options: MosquittoOptions): Promise<AuthFiles> {
  const files: { -readonly [K in keyof AuthFiles]: AuthFiles[K] } = {};
  if (options.dynamicSecurity) {
    if (options.users || options.acl !== undefined) {
      throw new Error('startMosquitto: dynamicSecurity replaces users and acl; give one or the other');
    }
    const path = findDynamicSecurityPlugin();
    if (!path)
      throw new Error('startMosquitto({ dynamicSecurity }): mosquitto_dynamic_security.so not found');
    files.plugin = { path, configFile: join(dir, 'dynamic-security.json') };
    await writeDynamicSecurityConfig(files.plugin.configFile, options.dynamicSecurity);
  }
  if (options.users) {
    const passwd = findExecutable('mosquitto_passwd');
    if (!passwd) throw new Error('startMosquitto({ users }): mosquitto_passwd is not installed');
    files.passwordFile = join(dir, 'passwords');
    let first = true;
    for (const [user, password] of Object.entries(options.users)) {
      await run(passwd, ['-b', ...(first ? ['-c'] : []), files.passwordFile, user, password]);
      first = false;
    }
  }
  if (options.acl !== undefined) {
    files.aclFile = join(dir, 'acl');
    await writeFile(files.aclFile, options.acl.endsWith('\n') ? options.acl : `${options.acl}\n`);
  }
  return files;
}

async function planListeners(
  options: MosquittoOptions,
  files: AuthFiles,
  certs: TestCertificates | undefined,
  dir: string,
): Promise<MosquittoConfigPlan> {
  const [port, ...extra] = await freePorts(1 + (certs ? 1 : 0) + (options.websockets ? 1 : 0), HOST);
  const tls = certs && {
    port: extra.shift()!,
    caFile: certs.caFile,
    certFile: certs.certFile,
    keyFile: certs.keyFile,
  };
  return {
    host: HOST,
    port: port!,
    tls,
    wsPort: options.websockets ? extra.shift() : undefined,
    ...files,
    persistenceDir: options.persistence ? dir : undefined,
    autosaveInterval: options.autosaveInterval ?? 1,
    maxQueuedMessages: options.maxQueuedMessages,
    logAll: options.logAll ?? false,
    extraConfig: options.extraConfig,
    listenerConfig: options.listenerConfig,
  };
}

class MosquittoProcess implements MosquittoBroker {
  readonly host = HOST;
  readonly configFile: string;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private readonly logChunks: string[] = [];
  private logSize = 0;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly bin: string,
    readonly dir: string,
    private readonly plan: MosquittoConfigPlan,
    private readonly certs: TestCertificates | undefined,
    private readonly startTimeoutMs: number,
  ) {
    this.configFile = join(dir, 'mosquitto.conf');
  }

  get port(): number {
    return this.plan.port;
  }
  get url(): string {
    return `mqtt://${HOST}:${this.plan.port}`;
  }
  get tlsPort(): number | undefined {
    return this.plan.tls?.port;
  }
  get tlsUrl(): string | undefined {
    return this.plan.tls && `mqtts://${HOST}:${this.plan.tls.port}`;
  }
  get ca(): Buffer | undefined {
    return this.certs?.ca;
  }
  get untrustedCa(): Buffer | undefined {
    return this.certs?.untrustedCa;
  }
  get wsPort(): number | undefined {
    return this.plan.wsPort;
  }
  get wsUrl(): string | undefined {
    return this.plan.wsPort === undefined ? undefined : `ws://${HOST}:${this.plan.wsPort}`;
  }
  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }
  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  logs(): string {
    return this.logChunks.join('');
  }

  /** Writes the config, spawns Mosquitto and waits until it is ready (see `whenReady`). */
  async start(): Promise<void> {
    await writeFile(this.configFile, renderMosquittoConfig(this.plan));
    const child = spawn(this.bin, ['-c', this.configFile], {
      cwd: this.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    trackChild(child);
    this.child = child;
    this.exited = new Promise((resolve) => child.once('close', () => resolve()));
    let output = ''; // this run's output, kept until it is ready
    let starting = true;
    const onData = (text: string) => {
      this.appendLog(text);
      if (starting) output += text;
    };
    for (const stream of [child.stdout!, child.stderr!]) stream.setEncoding('utf8').on('data', onData);
    try {
      await withTimeout(
        this.whenReady(child, () => output),
        this.startTimeoutMs,
        'mosquitto did not start',
      );
    } catch (error) {
      await this.signal('SIGKILL');
      throw error instanceof MosquittoStartError ? error : new MosquittoStartError(String(error), output);
    } finally {
      starting = false;
    }
    // Idle brokers must not keep the test process alive: a forgotten close() then ends in the exit hook.
    setRef(child, false);
  }

  stop(): Promise<void> {
    return this.signal('SIGTERM');
  }

  kill(): Promise<void> {
    return this.signal('SIGKILL');
  }

  async restart(): Promise<void> {
    await this.stop();
    // Mosquitto sets SO_REUSEADDR, so TIME_WAIT does not block it; this covers a slow port release.
    const deadline = Date.now() + this.startTimeoutMs;
    for (let delay = 20; ; delay = Math.min(delay * 2, 250)) {
      try {
        return await this.start();
      } catch (error) {
        if (!(error instanceof MosquittoStartError && error.addressInUse) || Date.now() + delay > deadline)
          throw error;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.stop();
      await rm(this.dir, { recursive: true, force: true });
      untrackDir(this.dir);
    })();
    return this.closing;
  }

  /**
   * Ready means: Mosquitto logged "mosquitto version X running", its main loop logged the accept of a
   * probe connection to the MQTT port (a SIGTERM sent before the loop starts can be lost), and every
   * other listener accepts TCP connections.
   */
  private async whenReady(child: ChildProcess, output: () => string): Promise<void> {
    await untilOutput(child, output, (text) => /mosquitto version \S+ running/.test(text));
    const socket = await openSocket(this.plan.port);
    try {
      const accepted = `New connection from ${HOST}:${socket.localPort} on port ${this.plan.port}.`;
      await untilOutput(child, output, (text) => text.includes(accepted));
    } finally {
      socket.destroy();
    }
    const others = this.ports().filter((port) => port !== this.plan.port);
    await Promise.all(others.map(async (port) => (await openSocket(port)).destroy()));
  }

  /**
   * Sends `signal` until the process and its output end: SIGTERM is repeated every 250 ms in case
   * one arrives while Mosquitto cannot act on it, and becomes SIGKILL after 5 s.
   */
  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return this.exited;
    setRef(child, true);
    const deadline = Date.now() + 5000;
    child.kill(signal);
    const repeat = setInterval(() => child.kill(Date.now() < deadline ? signal : 'SIGKILL'), 250);
    try {
      await this.exited;
    } finally {
      clearInterval(repeat);
    }
  }

  private ports(): number[] {
    const ports = [this.plan.port];
    if (this.plan.tls) ports.push(this.plan.tls.port);
    if (this.plan.wsPort !== undefined) ports.push(this.plan.wsPort);
    return ports;
  }

  private appendLog(text: string): void {
    this.logChunks.push(text);
    this.logSize += text.length;
    while (this.logSize > LOG_LIMIT && this.logChunks.length > 1)
      this.logSize -= this.logChunks.shift()!.length;
  }
}

/** Connects to a local listener; rejects if it refuses. */
function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: HOST, port });
    socket.once('connect', () => resolve(socket));
    socket.once('error', (error) =>
      reject(new Error(`listener on port ${port} refuses connections`, { cause: error })),
    );
  });
}

/** Resolves once `test(output())` holds after some output; rejects if the process ends first. */
function untilOutput(
  child: ChildProcess,
  output: () => string,
  test: (text: string) => boolean,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!test(output())) return;
      cleanup();
      resolve();
    };
    const onClose = (code: number | null, signal: NodeJS.Signals | null) => {
      cleanup();
      reject(
        new MosquittoStartError(`mosquitto exited during startup (code ${code}, signal ${signal})`, output()),
      );
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const cleanup = () => {
      child.stderr!.off('data', check);
      child.stdout!.off('data', check);
      child.off('close', onClose);
      child.off('error', onError);
    };
    child.stderr!.on('data', check);
    child.stdout!.on('data', check);
    child.once('close', onClose);
    child.once('error', onError);
    check();
  });
}

/** Lets an idle child (and its pipes) stop holding the event loop open, or holds it again. */
function setRef(child: ChildProcess, on: boolean): void {
  for (const handle of [child, child.stdout, child.stderr]) {
    const refable = handle as { ref?: () => void; unref?: () => void } | null;
    if (on) refable?.ref?.();
    else refable?.unref?.();
  }
}
