import { ansiColorFormatter, configure, getStreamSink, jsonLinesFormatter, type LogLevel } from "@logtape/logtape";
import { AsyncLocalStorage } from "node:async_hooks";
import { Writable } from "node:stream";

/**
 * Structured logs with LogTape, the logger Fedify itself uses: our categories ("francebadge", …) at
 * `level`, Fedify's ("fedify", …: deliveries, signature checks, retries, circuit breaker) at
 * `fedifyLevel`, both on stderr, JSON lines in production and colours locally.
 */
export async function configureLogging(level: LogLevel, format: "pretty" | "json", fedifyLevel: LogLevel = "warning"): Promise<void> {
  await configure({
    reset: true,
    // Fedify tags its records with implicit contexts (withContext); without a store LogTape warns on each.
    contextLocalStorage: new AsyncLocalStorage(),
    sinks: {
      stderr: getStreamSink(Writable.toWeb(process.stderr) as WritableStream, {
        formatter: format === "json" ? jsonLinesFormatter : ansiColorFormatter,
      }),
    },
    loggers: [
      { category: ["francebadge"], lowestLevel: level, sinks: ["stderr"] },
      { category: ["fedify"], lowestLevel: fedifyLevel, sinks: ["stderr"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["stderr"] },
    ],
  });
}
