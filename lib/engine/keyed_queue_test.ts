import assert from "node:assert/strict";
import { KeyedQueue } from "./keyed_queue.ts";

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

Deno.test("KeyedQueue runs tasks of one key strictly in order", async () => {
  const q = new KeyedQueue(8);
  const seen: number[] = [];
  for (let i = 0; i < 20; i++) {
    q.push("c1", async () => {
      await tick(Math.random() * 3);
      seen.push(i);
    });
  }
  await q.idle();
  assert.deepEqual(seen, Array.from({ length: 20 }, (_, i) => i));
});

Deno.test("KeyedQueue runs different keys in parallel up to the limit", async () => {
  const q = new KeyedQueue(3);
  let running = 0, peak = 0;
  for (let i = 0; i < 10; i++) {
    q.push(`c${i}`, async () => {
      running++;
      peak = Math.max(peak, running);
      await tick(5);
      running--;
    });
  }
  await q.idle();
  assert.equal(peak, 3);
});

Deno.test("KeyedQueue keeps going after a task throws", async () => {
  const errors: string[] = [];
  const q = new KeyedQueue(2, (err, key) => errors.push(`${key}:${(err as Error).message}`));
  const done: string[] = [];
  q.push("a", () => Promise.reject(new Error("boom")));
  q.push("a", () => {
    done.push("a2");
    return Promise.resolve();
  });
  q.push("b", () => {
    done.push("b1");
    return Promise.resolve();
  });
  await q.idle();
  assert.deepEqual(errors, ["a:boom"]);
  assert.deepEqual(done.sort(), ["a2", "b1"]);
  assert.equal(q.size, 0);
});

Deno.test("KeyedQueue.idle() resolves immediately when empty", async () => {
  await new KeyedQueue(1).idle();
});
