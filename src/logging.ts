import { ansiColorFormatter, configure, getStreamSink, jsonLinesFormatter, type LogLevel } from "@logtape/logtape";
import { Writable } from "node:stream";

/** Structured logs with LogTape (the logger Fedify uses): JSON lines in production, colours locally. */
export async function configureLogging(level: LogLevel, format: "pretty" | "json"): Promise<void> {
  await configure({
    reset: true,
    sinks: {
      stderr: getStreamSink(Writable.toWeb(process.stderr) as WritableStream, {
        formatter: format === "json" ? jsonLinesFormatter : ansiColorFormatter,
      }),
    },
    loggers: [
      { category: ["francebadge"], lowestLevel: level, sinks: ["stderr"] },
      { category: ["fedify"], lowestLevel: level === "debug" ? "info" : "warning", sinks: ["stderr"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["stderr"] },
    ],
  });
}
