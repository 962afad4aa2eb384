import { describe, expect, it } from "vitest";
import { Pulse } from "../../src/lib/pulse";

describe("Pulse", () => {
  it("counts events per second of their own timestamps, oldest first", () => {
    const pulse = new Pulse(5);
    const t0 = 1_700_000_000_000;
    for (const dt of [0, 100, 900, 1_000, 3_500]) pulse.add(t0 + dt);
    expect(pulse.series(t0 + 4_000)).toEqual([3, 1, 0, 1, 0]);
  });

  it("forgets seconds that left the window", () => {
    const pulse = new Pulse(3);
    pulse.add(0);
    pulse.add(10_000);
    expect(pulse.series(10_000)).toEqual([0, 0, 1]);
    expect(pulse.rate(10_000, 2)).toBe(0.5);
  });
});
