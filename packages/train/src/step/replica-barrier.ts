/**
 * A barrier for the replica workers, on a few words of shared memory, so that they can
 * average gradients and split the Adam update between them without a round trip to the main
 * thread. A worker that fails raises a flag, which releases (with an error) a worker waiting
 * for it instead of leaving it blocked.
 */
const ARRIVED = 0;
const GENERATION = 1;
const FAILED = 2;
const PARTIES = 3;
const WORDS = 4;
/** Waits are re-checked this often (ms) in case a notify raced the wait. */
const RECHECK_MS = 1000;

export class ReplicaBarrier {
  private readonly ctl: Int32Array;

  /** The barrier in `buffer` (from create, in this or another thread). */
  constructor(readonly buffer: SharedArrayBuffer) {
    this.ctl = new Int32Array(buffer, 0, WORDS);
  }

  /** A new barrier for `parties` threads. */
  static create(parties: number): ReplicaBarrier {
    const barrier = new ReplicaBarrier(new SharedArrayBuffer(WORDS * 4));
    Atomics.store(barrier.ctl, PARTIES, parties);
    return barrier;
  }

  /** Clears arrivals and the failure flag (only while no worker is inside a request). */
  reset(): void {
    Atomics.store(this.ctl, ARRIVED, 0);
    Atomics.store(this.ctl, FAILED, 0);
  }

  /** Blocks until all parties have arrived; throws if one has failed. Worker threads only (Atomics.wait). */
  arrive(): void {
    this.check();
    const generation = Atomics.load(this.ctl, GENERATION);
    if (Atomics.add(this.ctl, ARRIVED, 1) === Atomics.load(this.ctl, PARTIES) - 1) {
      Atomics.store(this.ctl, ARRIVED, 0);
      Atomics.add(this.ctl, GENERATION, 1);
      Atomics.notify(this.ctl, GENERATION);
      return;
    }
    while (Atomics.load(this.ctl, GENERATION) === generation) {
      this.check();
      Atomics.wait(this.ctl, GENERATION, generation, RECHECK_MS);
    }
    this.check();
  }

  /** Marks the group failed and wakes everyone waiting. */
  fail(): void {
    Atomics.store(this.ctl, FAILED, 1);
    Atomics.add(this.ctl, GENERATION, 1);
    Atomics.notify(this.ctl, GENERATION);
  }

  private check(): void {
    if (Atomics.load(this.ctl, FAILED)) throw new Error('another replica worker failed');
  }
}
