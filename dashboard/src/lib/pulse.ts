// Events per second over a sliding window, counted from the live events as they arrive (the
// server's own timestamps, so a burst replayed at once shows as the burst it was).

export class Pulse {
  private readonly counts = new Map<number, number>();

  constructor(readonly seconds = 60) {}

  add(atMs: number): void {
    const second = Math.floor(atMs / 1000);
    this.counts.set(second, (this.counts.get(second) ?? 0) + 1);
  }

  /** One count per second, oldest first, ending at ``nowMs``'s second. */
  series(nowMs: number): number[] {
    const last = Math.floor(nowMs / 1000);
    for (const second of this.counts.keys()) {
      if (second <= last - this.seconds) this.counts.delete(second);
    }
    return Array.from({ length: this.seconds }, (_, i) => this.counts.get(last - this.seconds + 1 + i) ?? 0);
  }

  /** The mean rate over the last ``window`` seconds. */
  rate(nowMs: number, window = 10): number {
    const recent = this.series(nowMs).slice(-window);
    return recent.reduce((a, b) => a + b, 0) / window;
  }
}
