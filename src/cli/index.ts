import { Command, InvalidArgumentError } from "commander";
import { isCodedError } from "../errors.ts";
import { VERSION } from "../gateway-docs.ts";
// Each command loads its module when it runs, so `config check` does not load the daemon.

function portArg(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new InvalidArgumentError("expected a number from 1 to 65535");
  return n;
}

/** `--url`, `--mqtt-port`, `--base`, `--site`: src/cli/broker-options.ts. */
const brokerOptions = (c: Command): Command =>
  c
    .option("--url <url>", "broker URL", "mqtt://127.0.0.1:1883")
    .option("--mqtt-port <n>", "shorthand for --url mqtt://127.0.0.1:<n>", portArg)
    .option("--base <topic>", "base topic", "labelgate")
    .option("--site <site>", "site", "demo");

const program = new Command()
  .name("labelgate")
  .description(
    "MQTT gateway for label printers, RFID encoders and e-paper tags at parcel sorting sites",
  )
  .version(VERSION);

program
  .command("start")
  .description("run the daemon (the demo configuration when --config is not given)")
  .option("-c, --config <file>", "YAML configuration file")
  .option("-d, --data-dir <dir>", "data directory (overrides data_dir)")
  .option("--mqtt-port <n>", "port of the embedded broker (overrides mqtt.embedded.port)", portArg)
  .option(
    "--http-port <n>",
    "port of the console and HTTP API (overrides http.port, enables it)",
    portArg,
  )
  .action(
    async (opts: { config?: string; dataDir?: string; mqttPort?: number; httpPort?: number }) => {
      process.exitCode = await (await import("./start.ts")).runStart(opts);
    },
  );

brokerOptions(
  program
    .command("submit")
    .description("publish a job envelope from a JSON file and print the replies")
    .argument(
      "<file>",
      "job envelope (JSON); job_id, created_at and reply_to are filled in when missing",
    )
    .option("--device <id>", "target device (overrides the envelope's device)")
    .option(
      "--wait",
      "wait for the final reply (ok / error / rejected / expired / in_doubt), not only the first",
    ),
)
  .option("--timeout <ms>", "how long to wait for replies", (v) => Number(v), 15000)
  .action(async (file: string, opts: import("./submit.ts").SubmitOptions) => {
    process.exitCode = await (await import("./submit.ts")).runSubmit(file, opts);
  });

const audit = program.command("audit").description("audit log tools");
audit
  .command("verify")
  .description(
    "check the audit log offline: every record, link, checkpoint signature and checkpoint; exit 0 ok, 1 altered or reordered, 2 truncated / rolled back / forked, 4 I/O or usage error",
  )
  .option("-d, --data-dir <dir>", "data directory", "./data")
  .option("-c, --config <file>", "take data_dir from this configuration file")
  .option(
    "--checkpoint <file>",
    "a signed checkpoint saved elsewhere (e.g. from MQTT); repeatable",
    (v: string, acc: string[]) => [...acc, v],
    [] as string[],
  )
  .option("--pubkey <key>", "verifier key (or a file holding it) from `labelgate audit pubkey`")
  .option("--json", "print the result as JSON")
  .action(
    async (opts: {
      dataDir: string;
      config?: string;
      checkpoint: string[];
      pubkey?: string;
      json?: boolean;
    }) => {
      process.exitCode = await (await import("./audit.ts")).runAuditVerify(opts);
    },
  );
audit
  .command("collect")
  .description(
    "supervisor side: collect every gateway's retained audit checkpoints, verify, store and cross-check them; exit 0 consistent, 1 bad signature, 2 a log truncated or forked behind a stored checkpoint, 4 usage or I/O error",
  )
  .requiredOption("--url <url>", "the site broker, mqtt:// or mqtts://")
  .option("--base <topic>", "base topic", "labelgate")
  .option("--site <site>", "site id", "demo")
  .option("--store <file>", "SQLite file the checkpoints are kept in", "./checkpoints.db")
  .option(
    "--pubkey <key>",
    "a gateway's verifier key (or a file holding it), from `labelgate audit pubkey`; repeatable",
    (v: string, acc: string[]) => [...acc, v],
    [] as string[],
  )
  .option("--once", "read the retained checkpoints, report and exit")
  .option("--json", "one JSON line per checkpoint")
  .option("--ca <file>", "CA certificate (PEM) of an mqtts:// broker")
  .option("--cert <file>", "client certificate (PEM)")
  .option("--key <file>", "client key (PEM)")
  .action(async (opts: import("./audit-collect.ts").AuditCollectOptions) => {
    process.exitCode = await (await import("./audit-collect.ts")).runAuditCollect(opts);
  });
audit
  .command("pubkey")
  .description("print the verifier key of the audit checkpoints (signed-note format)")
  .option("-d, --data-dir <dir>", "data directory", "./data")
  .option("-c, --config <file>", "take data_dir, site and gateway from this configuration file")
  .action(async (opts: { dataDir: string; config?: string }) => {
    process.exitCode = (await import("./audit.ts")).runAuditPubkey(opts);
  });

audit
  .command("export")
  .description(
    "write the records an approval selects, with decrypted waybill numbers, a signed checkpoint and a proof; needs a granted audit.export approval requested by --operator (exit 0 written, 1 refused, 4 I/O or usage)",
  )
  .requiredOption("--approval <id>", "a granted, unexpired audit.export approval")
  .requiredOption("--operator <id>", "who exports (the approval's requester)")
  .requiredOption("--out <file>", "extract file (JSON, mode 0600)")
  .option("-d, --data-dir <dir>", "data directory", "./data")
  .option("-c, --config <file>", "take data_dir, site and gateway from this configuration file")
  .action(
    async (opts: {
      approval: string;
      operator: string;
      out: string;
      dataDir: string;
      config?: string;
    }) => {
      process.exitCode = (await import("./audit-admin.ts")).runAuditExport(opts);
    },
  );
audit
  .command("purge")
  .description(
    "delete audit records older than the retention period, leaving a signed tombstone; needs a granted audit.purge approval (exit 0, 1 refused, 4 I/O or usage)",
  )
  .requiredOption("--approval <id>", "a granted, unexpired audit.purge approval")
  .requiredOption("--operator <id>", "who purges (the approval's requester)")
  .option("--retention-days <n>", "keep this many days (at least 180)", (v) => Number(v), 180)
  .option("-d, --data-dir <dir>", "data directory", "./data")
  .option("-c, --config <file>", "take data_dir, site and gateway from this configuration file")
  .action(
    async (opts: {
      approval: string;
      operator: string;
      retentionDays: number;
      dataDir: string;
      config?: string;
    }) => {
      process.exitCode = (await import("./audit-admin.ts")).runAuditPurge(opts);
    },
  );
audit
  .command("search")
  .description("find audit records, newest first (waybill numbers stay encrypted)")
  .option("--waybill <no>", "records of this waybill number (through its keyed waybill_ref)")
  .option("--operator <id>", "records of this operator")
  .option("--device <id>", "records of this device")
  .option("--action <a>", "records of this action, e.g. print.dispatched")
  .option("--job <id>", "records of this job id")
  .option("--since <time>", "at or after this ISO 8601 time")
  .option("--until <time>", "before this ISO 8601 time")
  .option("--limit <n>", "at most this many records", (v) => Number(v), 100)
  .option("--json", "one JSON object per line")
  .option("-d, --data-dir <dir>", "data directory", "./data")
  .option("-c, --config <file>", "take data_dir, site and gateway from this configuration file")
  .action(async (opts: import("./audit-admin.ts").SearchOptions) => {
    process.exitCode = (await import("./audit-admin.ts")).runAuditSearch(opts);
  });

// Access administration (issue #8): src/cli/access.ts, waybill.ts, broker-acl.ts.
type Site = { dataDir: string; config?: string };
const siteOptions = (c: Command) =>
  c
    .option("-d, --data-dir <dir>", "data directory", "./data")
    .option("-c, --config <file>", "take data_dir, site and gateway from this configuration file");
const accessCli = () => import("./access.ts");

const operators = program.command("operators").description("operators (people) and their roles");
siteOptions(
  operators
    .command("add")
    .description("add an active operator; --password-stdin reads a password from standard input")
    .argument("<id>", "operator id, e.g. E10293 (never a name)")
    .requiredOption("--role <role>", "operator, supervisor or admin")
    .option("--password-stdin", "read the operator's password from the first line of stdin"),
).action(async (id: string, o: Site & { role: "operator"; passwordStdin?: boolean }) => {
  process.exitCode = await (await accessCli()).operatorsCli.add(o, id);
});
siteOptions(
  operators
    .command("disable")
    .description("disable an operator (departed staff): their new and queued jobs are refused")
    .argument("<id>"),
).action(async (id: string, o: Site) => {
  process.exitCode = await (await accessCli()).operatorsCli.setStatus(o, id, false);
});
siteOptions(
  operators
    .command("password")
    .description(
      "set an operator's password (console login, credential of management requests) from stdin",
    )
    .argument("<id>"),
).action(async (id: string, o: Site) => {
  process.exitCode = await (await accessCli()).operatorsCli.password(o, id);
});
siteOptions(
  operators.command("enable").description("enable an operator again").argument("<id>"),
).action(async (id: string, o: Site) => {
  process.exitCode = await (await accessCli()).operatorsCli.setStatus(o, id, true);
});
siteOptions(
  operators.command("list").description("list operators: id, role, status").option("--json"),
).action(async (o: Site & { json?: boolean }) => {
  process.exitCode = await (await accessCli()).operatorsCli.list(o);
});

const clients = program
  .command("clients")
  .description("MQTT clients (workstations, scanners, supervisors' tools, gateways)");
siteOptions(
  clients
    .command("add")
    .description(
      "add an active client; its password comes on standard input (--password-stdin), or it has none (--cert-only)",
    )
    .argument("<id>", "client id = MQTT username, e.g. ws-12")
    .requiredOption("--role <role>", "workstation, scanner, supervisor or gateway")
    .option("--password-stdin", "read the password from the first line of stdin")
    .option("--cert-only", "no password: connects only with a TLS client certificate, CN = id"),
).action(
  async (
    id: string,
    o: Site & { role: "workstation"; passwordStdin?: boolean; certOnly?: boolean },
  ) => {
    process.exitCode = await (await accessCli()).clientsCli.add(o, id);
  },
);
siteOptions(clients.command("disable").description("disable a client").argument("<id>")).action(
  async (id: string, o: Site) => {
    process.exitCode = await (await accessCli()).clientsCli.disable(o, id);
  },
);
siteOptions(clients.command("list").description("list clients: id, role, status, auth")).action(
  async (o: Site) => {
    process.exitCode = await (await accessCli()).clientsCli.list(o);
  },
);

const approvals = program.command("approvals").description("two-person approvals (Art. 15)");
siteOptions(
  approvals
    .command("request")
    .description("request an approval; prints it as JSON (its id goes in the job's `approval`)")
    .requiredOption("--operator <id>", "the requester")
    .requiredOption(
      "--action <a>",
      "print.bulk, print.reprint_over_limit, audit.export or audit.purge",
    )
    .requiredOption("--reason <text>", "why")
    .option("--scope <json>", "what exactly is approved, a JSON object"),
).action(async (o: Site & { operator: string; action: string; reason: string; scope?: string }) => {
  process.exitCode = await (await accessCli()).approvalsCli.request(o);
});
for (const [name, grant] of [
  ["grant", true],
  ["deny", false],
] as const) {
  siteOptions(
    approvals
      .command(name)
      .description(
        `${name} a pending approval; --operator must be an active supervisor other than the requester`,
      )
      .argument("<id>")
      .requiredOption("--operator <id>", "the deciding supervisor"),
  ).action(async (id: string, o: Site & { operator: string }) => {
    process.exitCode = await (await accessCli()).approvalsCli.decide(o, id, grant);
  });
}
siteOptions(
  approvals.command("list").description("list approvals as JSON lines").option("--status <s>"),
).action(async (o: Site & { status?: string }) => {
  process.exitCode = await (await accessCli()).approvalsCli.list(o);
});

const lockdown = program.command("lockdown").description("freeze printing and exports (Art. 10)");
for (const name of ["set", "lift"] as const) {
  siteOptions(
    lockdown
      .command(name)
      .description(name === "set" ? "freeze all printing and exports" : "lift the lockdown")
      .requiredOption("--operator <id>", "an active supervisor")
      .requiredOption("--reason <text>", "why"),
  ).action(async (o: Site & { operator: string; reason: string }) => {
    process.exitCode = await (await accessCli()).lockdownCli[name](o);
  });
}
siteOptions(lockdown.command("status").description("show whether a lockdown is in force")).action(
  async (o: Site) => {
    process.exitCode = await (await accessCli()).lockdownCli.status(o);
  },
);

const waybill = program.command("waybill").description("the life of waybill numbers (Art. 13)");
siteOptions(
  waybill
    .command("history")
    .description("first print, reprints, voids, RFID encodes and audit records of one number")
    .argument("<number>")
    .option("--json", "one JSON object"),
).action(async (no: string, o: Site & { json?: boolean }) => {
  process.exitCode = await (await import("./waybill.ts")).runWaybillHistory(o, no);
});
siteOptions(
  waybill
    .command("void")
    .description("void a number: it can never be printed again")
    .argument("<number>")
    .requiredOption("--operator <id>", "an active operator")
    .requiredOption("--reason <text>", "why"),
).action(async (no: string, o: Site & { operator: string; reason: string }) => {
  process.exitCode = await (await import("./waybill.ts")).runWaybillVoid(o, no);
});

siteOptions(
  program
    .command("broker-acl")
    .description("write Mosquitto password_file and acl_file equal to the embedded broker's policy")
    .requiredOption("--password-file <file>", "Mosquitto password_file to write (mode 0600)")
    .requiredOption("--acl-file <file>", "Mosquitto acl_file to write (mode 0600)"),
).action(async (o: Site & { passwordFile: string; aclFile: string }) => {
  process.exitCode = await (await import("./broker-acl.ts")).runBrokerAcl(o);
});

const keysCmd = program.command("keys").description("encryption keys");
keysCmd
  .command("rotate")
  .description(
    "create the next data key generation; the daemon seals with it from its next start, older keys stay to open what they sealed (audited)",
  )
  .option("--operator <id>", "who rotates (recorded in the audit log)")
  .option("-d, --data-dir <dir>", "data directory", "./data")
  .option("-c, --config <file>", "take data_dir, site and gateway from this configuration file")
  .action(async (opts: { operator?: string; dataDir: string; config?: string }) => {
    process.exitCode = (await import("./keys.ts")).runKeysRotate(opts);
  });

const labelOptions = (c: Command): Command =>
  c
    .option("-t, --template <name>", "template name (default: the one the data file's job names)")
    .requiredOption("--data <file>", "template data as JSON (or a job envelope)")
    .option("--driver <id>", "zebra-zpl, tsc-tspl, escpos or zebra-cpcl")
    .option("--dpi <n>", "203, 300 or 600", "203")
    .option("--cjk-font <name>", "the printer's resident CJK font (as in a device profile)")
    .option("--templates <dir>", "a folder of site templates to load")
    .option("-o, --output <file>", "where to write");
labelOptions(
  program
    .command("preview")
    .description(
      "render a label to PNG without a device (with --driver: as that printer prints it)",
    ),
).action(async (o: import("./label.ts").LabelCliOptions) => {
  process.exitCode = await (await import("./label.ts")).runPreview(o);
});
labelOptions(
  program.command("compile").description("print (or write with -o) the bytes a driver would send"),
).action(async (o: import("./label.ts").LabelCliOptions) => {
  process.exitCode = await (await import("./label.ts")).runCompile(o);
});

const config = program.command("config").description("configuration tools");
config
  .command("check")
  .description("validate a configuration file; exit 0 valid, 1 invalid")
  .argument("<file>")
  .action(async (file: string) => {
    process.exitCode = (await import("./config.ts")).runConfigCheck(file);
  });
config
  .command("schema")
  .description("print the JSON Schema of the configuration file")
  .action(async () => {
    process.exitCode = (await import("./config.ts")).runConfigSchema();
  });

const devicesCmd = program
  .command("devices")
  .description("attached and registered devices (serial, USB, HID, TCP)");
devicesCmd
  .command("scan")
  .description(
    "list attached serial ports, USB printers and HID devices, whether each is registered, and a config snippet for the others",
  )
  .option("-c, --config <file>", "YAML configuration file (default: the demo configuration)")
  .option("--json", "one JSON object per device")
  .action(async (o: { config?: string; json?: boolean }) => {
    const { demoConfig, loadConfigFile } = await import("../config/load.ts");
    const config = o.config !== undefined ? loadConfigFile(o.config) : demoConfig();
    process.exitCode = await (await import("./devices.ts")).runDevicesScan(config, o);
  });
brokerOptions(
  devicesCmd
    .command("list")
    .description(
      "registered devices with their live state (from the gateway's retained documents)",
    ),
)
  .option("--gateway <id>", "gateway id", "gw1")
  .option("--timeout <ms>", "how long to wait for the documents", (v) => Number(v), 3000)
  .option("--json", "one JSON object per device")
  .action(async (o: import("./devices.ts").ListOptions) => {
    process.exitCode = await (await import("./devices.ts")).runDevicesList(o);
  });

program.exitOverride((err) => {
  // Usage errors exit 4 like other I/O or usage errors; --help and --version exit 0.
  process.exit(err.exitCode === 0 ? 0 : 4);
});

try {
  await program.parseAsync(process.argv);
} catch (e) {
  console.error(isCodedError(e) ? `${e.code}: ${e.message}` : String(e));
  process.exitCode = 4;
}
