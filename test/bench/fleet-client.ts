// The bench's handle on the fake fleet process: start it, ask for the arrival log, stop it.
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { BenchCertificates } from './bench-certificates.js';
import type { FleetReply, FleetRequest } from './fleet-process.js';
import type { Arrivals } from './schedule-stats.js';

export class FleetClient {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {}

  static async start(certs: BenchCertificates, maxSeconds: number): Promise<FleetClient> {
    const child = fork(join(import.meta.dirname, 'fleet-process.js'), [certs.keyFile, certs.certFile, String(maxSeconds)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the fake fleet did not start within 20 s')), 20_000);
      child.once('exit', (code) => reject(new Error(`the fake fleet exited with ${code}`)));
      child.once('message', (m: FleetReply) => {
        clearTimeout(timer);
        if (m.type === 'listening') resolve(m.port);
        else reject(new Error(`unexpected message from the fake fleet: ${m.type}`));
      });
    });
    return new FleetClient(child, port);
  }

  get pid(): number {
    return this.child.pid!;
  }

  private ask<T extends FleetReply['type']>(request: FleetRequest, reply: T): Promise<Extract<FleetReply, { type: T }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the fake fleet did not answer ${request.type} within 30 s`)), 30_000);
      const onMessage = (m: FleetReply) => {
        if (m.type !== reply) return;
        clearTimeout(timer);
        this.child.off('message', onMessage);
        resolve(m as Extract<FleetReply, { type: T }>);
      };
      this.child.on('message', onMessage);
      this.child.send(request);
    });
  }

  /** Every session since the last drain. */
  async drain(): Promise<Arrivals> {
    const { index, at } = await this.ask({ type: 'drain' }, 'arrivals');
    return { index, at };
  }

  async stats() {
    return (await this.ask({ type: 'stats' }, 'stats')).stats;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.send({ type: 'stop' } satisfies FleetRequest);
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(killer);
  }
}
