// One running sidecar: a `node` child started without a shell in the extension's bundle directory,
// with a JS heap cap, a readiness probe on its loopback port, a check that it listens on loopback
// only, and a watchdog that kills it when its resident memory goes over the limit. It runs in a
// process group of its own so that stopping it also stops whatever it started.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SIDECAR_TOKEN_HEADER } from '@penny/manifests';
import { isLoopbackAddress, listeningSockets, rssBytes } from './proc.ts';

const PRELOAD = fileURLToPath(new URL('./sidecar-preload.mjs', import.meta.url));
const PROBE_INTERVAL_MS = 100;
const WATCH_INTERVAL_MS = 500;
/** Listening sockets are looked at again every this many watchdog ticks. */
const LISTEN_CHECK_EVERY = 4;
const STOP_GRACE_MS = 3000;
const LOG_TAIL_LINES = 20;

export interface SidecarLaunch {
  /** For messages: `publisher.name/id`. */
  label: string;
  bundleDir: string;
  /** Absolute path of the entry script, inside `bundleDir`. */
  entry: string;
  args: string[];
  env: Record<string, string>;
  port: number;
  token: string;
  memoryMb: number;
  readyTimeoutMs: number;
  log(level: 'info' | 'warn' | 'error', message: string): void;
}

/** Why a sidecar ended: asked to (`stopped`), or one of the failures. */
export type SidecarEnd = 'stopped' | 'crashed' | 'memory' | 'notLoopback' | 'unready';

export interface SidecarExit {
  end: SidecarEnd;
  detail: string;
}

export class SidecarProcess {
  readonly ready: Promise<void>;
  /** Highest resident memory seen, in bytes. */
  peakRssBytes = 0;
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private watchdog: NodeJS.Timeout | undefined;
  private ticks = 0;
  private ending: SidecarExit | undefined;
  private done = false;
  private readonly tail: string[] = [];

  constructor(
    private readonly launch: SidecarLaunch,
    private readonly onExit: (exit: SidecarExit) => void,
  ) {
    this.child = spawn(process.execPath, [`--max-old-space-size=${launch.memoryMb}`, '--import', PRELOAD, launch.entry, ...launch.args], {
      cwd: launch.bundleDir,
      env: launch.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      shell: false,
    });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      stream?.setEncoding('utf8');
      stream?.on('data', (text: string) => this.remember(text));
    }
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.finish({ end: 'crashed', detail: signal ? `killed by ${signal}` : `exited with code ${code}` });
        resolve();
      });
      this.child.once('error', (error) => {
        this.finish({ end: 'crashed', detail: `could not start: ${error.message}` });
        resolve();
      });
    });
    this.ready = this.awaitReady();
    this.ready.catch(() => undefined);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return !this.done;
  }

  /** The last lines the process wrote, for crash reports. */
  get output(): string {
    return this.tail.join('\n');
  }

  private remember(text: string): void {
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      this.tail.push(line.slice(0, 500));
      if (this.tail.length > LOG_TAIL_LINES) this.tail.shift();
      this.launch.log('info', line.slice(0, 2000));
    }
  }

  private async awaitReady(): Promise<void> {
    const deadline = Date.now() + this.launch.readyTimeoutMs;
    for (;;) {
      if (this.done)
        throw new Error(
          `${this.launch.label} ended before it was ready (${this.ending?.detail ?? 'exited'})${this.output ? `: ${this.output.slice(-500)}` : ''}`,
        );
      if (Date.now() > deadline) {
        this.kill('unready', `not ready within ${this.launch.readyTimeoutMs} ms`);
        await this.exited;
        throw new Error(`${this.launch.label} did not answer GET /healthz within ${this.launch.readyTimeoutMs} ms`);
      }
      const healthy = await fetch(`http://127.0.0.1:${this.launch.port}/healthz`, {
        headers: { [SIDECAR_TOKEN_HEADER]: this.launch.token },
        signal: AbortSignal.timeout(2000),
      }).then(
        async (res) => (await res.arrayBuffer(), res.ok),
        () => false,
      );
      if (healthy) break;
      await new Promise((resolve) => setTimeout(resolve, PROBE_INTERVAL_MS));
    }
    // Something else may have answered on the port; only a healthy process of ours counts.
    if (this.done) throw new Error(`${this.launch.label} ended while starting`);
    const problem = await this.listenProblem(true);
    if (problem) {
      this.kill('notLoopback', problem);
      await this.exited;
      throw new Error(`${this.launch.label} was stopped: ${problem}`);
    }
    this.watchdog = setInterval(() => void this.watch(), WATCH_INTERVAL_MS);
    this.watchdog.unref();
  }

  /** What is wrong with the sockets the process listens on, if anything. */
  private async listenProblem(requirePort: boolean): Promise<string | undefined> {
    const pid = this.child.pid;
    if (pid === undefined) return undefined;
    const sockets = await listeningSockets(pid);
    if (!sockets) return undefined;
    const outside = sockets.find((s) => !isLoopbackAddress(s.address));
    if (outside) return `it listens on ${outside.address}:${outside.port}; sidecars may listen on 127.0.0.1 only`;
    if (requirePort && !sockets.some((s) => s.address === '127.0.0.1' && s.port === this.launch.port)) {
      return `it does not listen on 127.0.0.1:${this.launch.port} (PENNY_SIDECAR_PORT)`;
    }
    return undefined;
  }

  private async watch(): Promise<void> {
    const pid = this.child.pid;
    if (this.done || pid === undefined) return;
    const rss = await rssBytes(pid);
    if (rss !== undefined) {
      this.peakRssBytes = Math.max(this.peakRssBytes, rss);
      const limit = this.launch.memoryMb * 1024 * 1024;
      if (rss > limit) {
        this.kill('memory', `resident memory ${Math.round(rss / 1048576)} MB over its limit of ${this.launch.memoryMb} MB`);
        return;
      }
    }
    if (++this.ticks % LISTEN_CHECK_EVERY === 0) {
      const problem = await this.listenProblem(false);
      if (problem) this.kill('notLoopback', problem);
    }
  }

  private signalGroup(signal: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // The group is gone already.
    }
  }

  /** Ends it now, for a reason that is a failure (memory, loopback, readiness). */
  kill(end: SidecarEnd, detail: string): void {
    if (this.done) return;
    this.ending ??= { end, detail };
    this.signalGroup('SIGKILL');
  }

  /** Asks it to stop (SIGTERM), then kills it after a grace period; resolves once it is gone. */
  async stop(detail = 'stopped'): Promise<void> {
    if (this.done) return;
    this.ending ??= { end: 'stopped', detail };
    this.signalGroup('SIGTERM');
    const timer = setTimeout(() => this.signalGroup('SIGKILL'), STOP_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
  }

  private finish(observed: SidecarExit): void {
    if (this.done) return;
    this.done = true;
    clearInterval(this.watchdog);
    // Whatever it left behind in its group goes too.
    this.signalGroup('SIGKILL');
    const exit = this.ending
      ? { end: this.ending.end, detail: this.ending.end === 'stopped' ? this.ending.detail : `${this.ending.detail} (${observed.detail})` }
      : observed;
    this.onExit(exit);
  }
}
