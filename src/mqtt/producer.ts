import mqtt from "mqtt";

/**
 * A short-lived producer connection (for `labelgate submit` and scripts): subscribe to a reply
 * topic, publish one message with QoS 1, hand every reply to a callback.
 */
export interface Producer {
  subscribe(topic: string): Promise<void>;
  publish(topic: string, payload: string): Promise<void>;
  onMessage(listener: (topic: string, payload: Uint8Array) => void): void;
  close(): Promise<void>;
}

export async function connectProducer(url: string, clientId: string): Promise<Producer> {
  const client = await mqtt.connectAsync(url, {
    clientId,
    reconnectPeriod: 0,
    connectTimeout: 5000,
  });
  return {
    async subscribe(topic) {
      await client.subscribeAsync(topic, { qos: 1 });
    },
    async publish(topic, payload) {
      await client.publishAsync(topic, payload, { qos: 1 });
    },
    onMessage(listener) {
      client.on("message", (topic, payload) => listener(topic, payload));
    },
    async close() {
      await client.endAsync();
    },
  };
}
