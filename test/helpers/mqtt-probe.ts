import mqtt, { type MqttClient } from "mqtt";

export interface Received {
  topic: string;
  json: Record<string, unknown>;
  retain: boolean;
}

/**
 * A producer/observer on the broker: subscribes, records every message, and lets a test await a
 * message matching a predicate (no sleeps).
 */
export class MqttProbe {
  readonly messages: Received[] = [];
  private waiters: Array<{ pred: (m: Received) => boolean; resolve: (m: Received) => void }> = [];

  private constructor(readonly client: MqttClient) {
    client.on("message", (topic, payload, packet) => {
      let json: Record<string, unknown>;
      try {
        json = JSON.parse(payload.toString()) as Record<string, unknown>;
      } catch {
        json = { _raw: payload.toString() };
      }
      const m = { topic, json, retain: packet.retain };
      this.messages.push(m);
      this.waiters = this.waiters.filter((w) => {
        if (!w.pred(m)) return true;
        w.resolve(m);
        return false;
      });
    });
  }

  static async connect(url: string, subscriptions: string[]): Promise<MqttProbe> {
    const client = await mqtt.connectAsync(url, {
      reconnectPeriod: 200,
      clientId: `probe-${Math.random().toString(16).slice(2, 10)}`,
    });
    const p = new MqttProbe(client);
    if (subscriptions.length > 0) await client.subscribeAsync(subscriptions, { qos: 1 });
    return p;
  }

  waitFor(pred: (m: Received) => boolean, timeoutMs = 15_000, what = "message"): Promise<Received> {
    const found = this.messages.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
      this.waiters.push({
        pred,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  /** Replies for one job on its reply topic, in arrival order. */
  replies(jobId: string): Array<Record<string, unknown>> {
    return this.messages
      .filter((m) => m.topic.includes("/reply/") && m.json["job_id"] === jobId)
      .map((m) => m.json);
  }

  waitReply(
    jobId: string,
    status: string | ((s: string) => boolean),
    timeoutMs = 15_000,
  ): Promise<Received> {
    const ok = typeof status === "string" ? (s: string) => s === status : status;
    return this.waitFor(
      (m) =>
        m.topic.includes("/reply/") && m.json["job_id"] === jobId && ok(String(m.json["status"])),
      timeoutMs,
      `reply ${String(status)} for ${jobId}`,
    );
  }

  async publish(topic: string, payload: string | Buffer): Promise<void> {
    await this.client.publishAsync(topic, payload, { qos: 1 });
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}
