import { describe, expect, it } from "vitest";
import { startPeriodic } from "../../src/shared/periodic.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("startPeriodic (the purge timer of main.ts)", () => {
  it("runs after the first delay, then every interval, and never after stop", async () => {
    let runs = 0;
    const p = startPeriodic("test", async () => { runs++; }, 20, 40);
    await sleep(5);
    expect(runs).toBe(0);
    for (let i = 0; i < 100 && runs < 3; i++) await sleep(20); // a busy machine may be slow
    expect(runs).toBeGreaterThanOrEqual(3);
    await p.stop();
    const stoppedAt = runs;
    await sleep(100);
    expect(runs).toBe(stoppedAt);
  });

  it("one run at a time; stop waits for the run under way", async () => {
    let running = 0;
    let most = 0;
    let finished = 0;
    const p = startPeriodic("slow", async () => {
      running++;
      most = Math.max(most, running);
      await sleep(60);
      running--;
      finished++;
    }, 5, 0);
    await sleep(20); // a run is under way
    void p.runNow(); // joins it rather than starting a second one
    await p.stop();
    expect(running).toBe(0);
    expect(finished).toBe(1);
    expect(most).toBe(1);
  });

  it("a failing run is logged, not thrown, and the next run still comes", async () => {
    let runs = 0;
    const p = startPeriodic("failing", async () => {
      runs++;
      throw new Error("database away");
    }, 10, 0);
    for (let i = 0; i < 100 && runs < 2; i++) await sleep(20);
    await p.stop();
    expect(runs).toBeGreaterThanOrEqual(2);
    await expect(p.runNow()).resolves.toBeUndefined();
  });
});
