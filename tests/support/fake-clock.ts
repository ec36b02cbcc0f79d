// A manual clock implementing the Clock port: time moves only when a test says so,
// so backoff schedules and timeouts are checked exactly, not by waiting.
import type { Clock, TimerHandle } from '../../src-main/ports';

interface PendingTimer {
  readonly handle: TimerHandle;
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
}

export class FakeClock implements Clock {
  private current: number;
  private seq = 0;
  private timers: PendingTimer[] = [];
  /** Every delay ever scheduled, in order: lets a test read a backoff schedule. */
  readonly scheduled: number[] = [];

  constructor(start = 1_700_000_000_000) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const handle: TimerHandle = { id: ++this.seq };
    this.scheduled.push(ms);
    this.timers.push({ handle, at: this.current + Math.max(0, ms), seq: this.seq, fn });
    return handle;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers = this.timers.filter((t) => t.handle !== handle);
  }

  /** Number of timers still pending (a leak check after dispose). */
  get pending(): number {
    return this.timers.length;
  }

  /** Moves time forward, firing due timers in order (timers they schedule fire too if due). */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.current = due.at;
      due.fn();
    }
    this.current = target;
  }
}
