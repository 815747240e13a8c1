import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const EXAMPLE = fileURLToPath(new URL("../../examples/jobs/label-print.json", import.meta.url));

let counter = 0;

/** A fresh job_id per call (unique across test files and runs). */
export function newJobId(prefix = "T"): string {
  counter++;
  return `${prefix}${Date.now().toString(36)}${process.pid.toString(36)}${counter.toString(36)}`
    .toUpperCase()
    .slice(0, 64);
}

/** The example envelope (examples/jobs/label-print.json) with a fresh job_id and a reply topic. */
export function exampleJob(overrides: {
  replyTo: string;
  jobId?: string;
  expiresAt?: string;
}): Record<string, unknown> & {
  job_id: string;
  payload: { data: Record<string, unknown> & { recipient: Record<string, unknown> } };
} {
  const env = JSON.parse(readFileSync(EXAMPLE, "utf8")) as ReturnType<typeof exampleJob>;
  env.job_id = overrides.jobId ?? newJobId();
  env["reply_to"] = overrides.replyTo;
  env["created_at"] = new Date().toISOString();
  if (overrides.expiresAt !== undefined) env["expires_at"] = overrides.expiresAt;
  return env;
}
