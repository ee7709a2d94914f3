import { type ChildProcess, spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { connectAsync, type IClientOptions } from 'mqtt';
import { killGroup, trackChild, untrackDir } from '../process-reaper.js';

/** A broker running as a process of our own: its MQTT listener, its files, its lifecycle. */
export interface ExternalBroker {
  /** What it is, for messages: `nats-server`, `rabbitmq-server`, … */
  readonly kind: string;
  readonly host: string;
  /** The MQTT listener. */
  readonly port: number;
  /** `mqtt://127.0.0.1:port`. */
  readonly url: string;
  /** The temp dir holding its config, data and logs (removed by {@link ExternalBroker.close}). */
  readonly dir: string;
  /** Credentials the broker wants in CONNECT (ejabberd refuses an empty password), else undefined. */
  readonly credentials: BrokerCredentials | undefined;
  /** PID of the current process; undefined once it has exited. */
  readonly pid: number | undefined;
  readonly running: boolean;
  /** Milliseconds from spawn to the first MQTT CONNACK, for the last start. */
  readonly startupMs: number;
  /** Everything the broker printed so far, across restarts (capped at 4 MB). */
  logs(): string;
  /** SIGTERM (a clean shutdown), SIGKILL after the stop timeout; then waits for the exit. */
  stop(): Promise<void>;
  /** SIGKILL at once (the process group too), then waits for the exit. */
  kill(): Promise<void>;
  /** Stops if running, then starts again with the same config, ports and data. */
  restart(): Promise<void>;
  /** Stops and removes the temp dir (and anything the launcher added). Idempotent. */
  close(): Promise<void>;
}

export interface BrokerCredentials {
  readonly username: string;
  readonly password: string;
}

/** A start that failed; `addressInUse` when a port was taken (the launcher retries with new ports). */
export class BrokerStartError extends Error {
  readonly addressInUse: boolean;

  constructor(message: string, output: string) {
    super(`${message}\n--- broker output (last 4000 characters) ---\n${output.trim().slice(-4000)}`);
    this.name = 'BrokerStartError';
    this.addressInUse = /address already in use|eaddrinuse|already in use/i.test(output);
  }
}

/** How to run one broker process. */
export interface BrokerLaunch {
  readonly kind: string;
  readonly command: string;
  readonly args: readonly string[];
  /** Added to this process's environment. */
  readonly env?: Readonly<Record<string, string>>;
  readonly dir: string;
  readonly host: string;
  readonly port: number;
  /** A log line meaning the broker is up; then an MQTT CONNECT must get a CONNACK. */
  readonly ready: RegExp;
  /**
   * False: ready at the log line, with no MQTT CONNECT yet (the caller probes later with
   * {@link untilMqttAnswers}, e.g. one cluster node at a time). Default true.
   */
  readonly probe?: boolean;
  readonly credentials?: BrokerCredentials;
  /** Spawn as a process-group leader, and kill the group: for wrapper scripts (rabbitmq-server). */
  readonly group?: boolean;
  readonly startTimeoutMs: number;
  /** How long SIGTERM may take before SIGKILL. */
  readonly stopTimeoutMs: number;
  /** Run after the process is stopped for good, before the dir is removed (stop helpers like epmd). */
  readonly onClose?: () => Promise<void>;
}

const LOG_LIMIT = 4 * 1024 * 1024;

/** Spawns `launch` and resolves once it answers MQTT; on failure the process is killed. */
export async function startBrokerProcess(launch: BrokerLaunch): Promise<ExternalBroker> {
  const broker = new BrokerProcess(launch);
  await broker.start();
  return broker;
}

/**
 * Runs `attempt` up to three times while it fails with a port taken between choosing and binding
 * (another process may take a free port first); anything else fails at once.
 */
export async function retryOnPortClash<T>(attempt: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof BrokerStartError && error.addressInUse) || tries >= 3) throw error;
    }
  }
}

class BrokerProcess implements ExternalBroker {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private readonly logChunks: string[] = [];
  private logSize = 0;
  private closing: Promise<void> | undefined;
  startupMs = 0;

  constructor(private readonly launch: BrokerLaunch) {}

  get kind(): string {
    return this.launch.kind;
  }
  get host(): string {
    return this.launch.host;
  }
  get port(): number {
    return this.launch.port;
  }
  get url(): string {
    return `mqtt://${this.launch.host}:${this.launch.port}`;
  }
  get dir(): string {
    return this.launch.dir;
  }
  get credentials(): BrokerCredentials | undefined {
    return this.launch.credentials;
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

  async start(): Promise<void> {
    const { launch } = this;
    const started = performance.now();
    const child = spawn(launch.command, [...launch.args], {
      cwd: launch.dir,
      env: { ...process.env, ...launch.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: launch.group ?? false,
    });
    trackChild(child, { group: launch.group ?? false });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('close', () => resolve()));
    let output = '';
    let starting = true;
    const onData = (text: string) => {
      this.appendLog(text);
      if (starting) output += text;
    };
    for (const stream of [child.stdout!, child.stderr!]) stream.setEncoding('utf8').on('data', onData);
    const deadline = Date.now() + launch.startTimeoutMs;
    try {
      await untilReady(child, () => output, launch, deadline);
      this.startupMs = Math.round(performance.now() - started);
    } catch (error) {
      await this.kill();
      throw error instanceof BrokerStartError
        ? error
        : new BrokerStartError(`${launch.kind} did not start: ${String(error)}`, output);
    } finally {
      starting = false;
    }
    // An idle broker must not keep the test process alive: a forgotten close() ends in the exit hook.
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
    const deadline = Date.now() + this.launch.startTimeoutMs;
    for (let delay = 50; ; delay = Math.min(delay * 2, 500)) {
      try {
        return await this.start();
      } catch (error) {
        // A port of the old process may take a moment to be released.
        if (!(error instanceof BrokerStartError && error.addressInUse) || Date.now() + delay > deadline)
          throw error;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.stop();
      await this.launch.onClose?.();
      await rm(this.launch.dir, { recursive: true, force: true });
      untrackDir(this.launch.dir);
    })();
    return this.closing;
  }

  /**
   * Sends `signal` and waits for the exit; a SIGTERM becomes SIGKILL (of the whole group) after the
   * stop timeout. Whatever is left of the group afterwards is killed too.
   */
  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    const group = this.launch.group ?? false;
    if (!child || !this.running) return this.exited;
    setRef(child, true);
    const hardKill = () => {
      if (group) killGroup(child);
      child.kill('SIGKILL');
    };
    if (signal === 'SIGKILL') hardKill();
    else child.kill(signal);
    const timer = setTimeout(hardKill, this.launch.stopTimeoutMs);
    try {
      await this.exited;
    } finally {
      clearTimeout(timer);
      if (group) killGroup(child);
    }
  }

  private appendLog(text: string): void {
    this.logChunks.push(text);
    this.logSize += text.length;
    while (this.logSize > LOG_LIMIT && this.logChunks.length > 1)
      this.logSize -= this.logChunks.shift()!.length;
  }
}

/**
 * Ready: the `ready` log line appeared, then an MQTT 3.1.1 CONNECT got a CONNACK (retried every
 * 100 ms: a listener may accept TCP before its broker can take sessions, as NATS before JetStream is
 * up). Rejects when the process exits or the deadline passes.
 */
async function untilReady(
  child: ChildProcess,
  output: () => string,
  launch: BrokerLaunch,
  deadline: number,
): Promise<void> {
  let exited: string | undefined;
  const onClose = (code: number | null, signal: NodeJS.Signals | null) => {
    exited = `${launch.kind} exited during start-up (code ${code}, signal ${signal})`;
  };
  child.once('close', onClose);
  try {
    const failIfOver = () => {
      if (exited !== undefined) throw new BrokerStartError(exited, output());
      if (Date.now() > deadline)
        throw new BrokerStartError(
          `${launch.kind} was not ready within ${launch.startTimeoutMs} ms`,
          output(),
        );
    };
    while (!launch.ready.test(output())) {
      failIfOver();
      await pause(50);
    }
    if (launch.probe !== false) await connackBefore(launch, failIfOver);
  } finally {
    child.off('close', onClose);
  }
}

/**
 * Resolves once an MQTT 3.1.1 CONNECT to `broker` gets a CONNACK (retried every 100 ms); rejects
 * after `timeoutMs`. For brokers started with `probe: false`.
 */
export async function untilMqttAnswers(broker: ExternalBroker, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  await connackBefore(broker, () => {
    if (Date.now() > deadline)
      throw new BrokerStartError(`${broker.kind} did not answer MQTT within ${timeoutMs} ms`, broker.logs());
  });
}

async function connackBefore(
  target: Pick<BrokerLaunch, 'host' | 'port' | 'credentials'>,
  failIfOver: () => void,
): Promise<void> {
  for (;;) {
    failIfOver();
    try {
      // allowRetries false: a close before the CONNACK rejects (else the promise could hang).
      const probe = await connectAsync(`mqtt://${target.host}:${target.port}`, probeOptions(target), false);
      await probe.endAsync(true);
      return;
    } catch {
      await pause(100);
    }
  }
}

function probeOptions(target: Pick<BrokerLaunch, 'credentials'>): IClientOptions {
  return {
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 2000,
    clientId: `koa-mqtt-probe-${process.pid}`,
    ...target.credentials,
  };
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Lets an idle child (and its pipes) stop holding the event loop open, or holds it again. */
function setRef(child: ChildProcess, on: boolean): void {
  for (const handle of [child, child.stdout, child.stderr]) {
    const refable = handle as { ref?: () => void; unref?: () => void } | null;
    if (on) refable?.ref?.();
    else refable?.unref?.();
  }
}
