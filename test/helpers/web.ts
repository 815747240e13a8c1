import { join } from "node:path";
import { createClientStore, type ClientRole } from "../../src/access/clients.ts";
import { createOperatorStore, type OperatorRole } from "../../src/access/operators.ts";
import { openDatabase } from "../../src/db/open.ts";
import type { ConfigInput } from "../../src/config/schema.ts";
import { startTestGateway, type TestGateway } from "./gateway.ts";

export interface WebTestGateway extends TestGateway {
  web: string;
  addOperator(id: string, role: OperatorRole, password: string): Promise<void>;
  addClient(id: string, role: ClientRole, password: string): Promise<void>;
}

/** A test gateway with the console / HTTP API on a free loopback port. */
export async function startWebTestGateway(
  extra: Partial<ConfigInput> = {},
): Promise<WebTestGateway> {
  const g = await startTestGateway({
    ...extra,
    http: { enabled: true, host: "127.0.0.1", port: 0 },
  });
  const web = g.gateway.webUrl;
  if (web === undefined) throw new Error("the console did not start");
  // Accounts are added through a second connection, as the CLI would: the stores keep no cache.
  const withDb = async <T>(fn: (db: ReturnType<typeof openDatabase>) => Promise<T>) => {
    const db = openDatabase(join(g.dataDir, "labelgate.db"));
    try {
      return await fn(db);
    } finally {
      db.close();
    }
  };
  return {
    ...g,
    web,
    addOperator: (id, role, password) =>
      withDb(
        async (db) => void (await createOperatorStore(db).add(id, role, Date.now(), password)),
      ),
    addClient: (id, role, password) =>
      withDb(async (db) => void (await createClientStore(db).add(id, role, password, Date.now()))),
  };
}

/** A tiny HTTP client that keeps one session cookie. */
export class Session {
  cookie = "";
  constructor(readonly base: string) {}

  async login(operator: string, password: string): Promise<Response> {
    const res = await this.post("/api/v1/login", { operator, password });
    const set = res.headers.get("set-cookie");
    if (set) this.cookie = set.split(";")[0]!;
    return res;
  }

  get(path: string): Promise<Response> {
    return fetch(this.base + path, { headers: { cookie: this.cookie } });
  }

  post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(this.base + path, {
      method: "POST",
      headers: { "content-type": "application/json", cookie: this.cookie, ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  }
}
