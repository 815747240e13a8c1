import { readFileSync } from "node:fs";
import { parse as parseYaml, YAMLParseError } from "yaml";
import { z } from "zod";
import { CodedError } from "../errors.ts";
import { configSchema, type Config, type ConfigInput } from "./schema.ts";
import { DEMO_CONFIG } from "./demo.ts";

/** `devices[2].transport.port` from zod's path array. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else out += out === "" ? String(p) : `.${String(p)}`;
  }
  return out === "" ? "(root)" : out;
}

/** One line per problem: `path: message`. Values from the file are never echoed. */
export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${formatPath(i.path)}: ${issueMessage(i)}`);
}

function issueMessage(i: z.core.$ZodIssue): string {
  if (i.code === "unrecognized_keys")
    return `unknown key(s) ${i.keys.map((k) => `'${k}'`).join(", ")}`;
  if (i.code === "invalid_type" && i.message.startsWith("Invalid input"))
    return `expected ${i.expected}`;
  return i.message;
}

/** Validates a parsed config object; throws `config_invalid` with every problem listed. */
export function validateConfig(input: unknown, source: string): Config {
  const r = configSchema.safeParse(input ?? {});
  if (!r.success) {
    const lines = formatIssues(r.error);
    throw new CodedError(
      "config_invalid",
      `${source}: invalid configuration\n  ${lines.join("\n  ")}`,
      {
        problems: lines,
      },
    );
  }
  return r.data;
}

/** Reads and validates a YAML configuration file. */
export function loadConfigFile(file: string): Config {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new CodedError(
      "config_invalid",
      `${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? "error"})`,
    );
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    const where = e instanceof YAMLParseError && e.linePos ? ` at line ${e.linePos[0].line}` : "";
    throw new CodedError("config_invalid", `${file}: not valid YAML${where}`);
  }
  return validateConfig(doc, file);
}

export function demoConfig(): Config {
  return validateConfig(DEMO_CONFIG satisfies ConfigInput, "demo config");
}

/** The JSON Schema of the configuration file (`labelgate config schema`). */
export function configJsonSchema(): unknown {
  return z.toJSONSchema(configSchema, { io: "input", unrepresentable: "any" });
}
