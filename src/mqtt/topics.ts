/**
 * Topic names of the MQTT contract (DESIGN.md §3), built from the base topic and the site. No
 * other module spells a topic by hand.
 */
export interface TopicRoot {
  base: string;
  site: string;
}

export function topics(root: TopicRoot, gateway: string) {
  const site = `${root.base}/${root.site}`;
  const gw = `${site}/gateway/${gateway}`;
  return {
    site,
    gatewayState: `${gw}/state`,
    gatewayInfo: `${gw}/info`,
    gatewayDevices: `${gw}/devices`,
    gatewayAlert: `${gw}/alert`,
    gatewayRequest: (action: string) => `${gw}/request/${action}`,
    gatewayRequestFilter: `${gw}/request/+`,
    gatewayResponse: (action: string) => `${gw}/response/${action}`,
    auditCheckpoint: `${gw}/audit/checkpoint`,
    deviceState: (dev: string) => `${site}/device/${dev}/state`,
    deviceDescription: (dev: string) => `${site}/device/${dev}/description`,
    deviceJob: (dev: string) => `${site}/device/${dev}/job`,
    /**
     * All device job topics of the site: a job for a device this gateway does not own is answered
     * `device_unknown` instead of vanishing. (With several gateways per site, ownership decides
     * who answers; see the scale-out issue.)
     */
    deviceJobFilter: `${site}/device/+/job`,
    deviceCmd: (dev: string, name: string) => `${site}/device/${dev}/cmd/${name}`,
    /** Device commands of the site (`status`, `pause`, …): src/devices/commands.ts. */
    deviceCmdFilter: `${site}/device/+/cmd/+`,
    /** Responses to device commands that name no `reply_to`. */
    deviceCmdResponse: (dev: string, name: string) => `${site}/device/${dev}/response/${name}`,
    poolJob: (pool: string) => `${site}/pool/${pool}/job`,
    /** Jobs for a device pool: the gateway picks a healthy, least-loaded member. */
    poolJobFilter: `${site}/pool/+/job`,
    deviceEvent: (dev: string) => `${site}/device/${dev}/event`,
    /** Prefix every `reply_to` must start with: replies never land on a job or state topic. */
    replyPrefix: `${site}/reply/`,
  };
}

export type Topics = ReturnType<typeof topics>;

/** The device id of a `{site}/device/{dev}/job` topic, or undefined. */
export function parseDeviceJobTopic(t: Topics, topic: string): string | undefined {
  const prefix = `${t.site}/device/`;
  if (!topic.startsWith(prefix) || !topic.endsWith("/job")) return undefined;
  const dev = topic.slice(prefix.length, -"/job".length);
  return dev.length > 0 && !dev.includes("/") ? dev : undefined;
}

/** The pool id of a `{site}/pool/{pool}/job` topic, or undefined. */
export function parsePoolJobTopic(t: Topics, topic: string): string | undefined {
  const prefix = `${t.site}/pool/`;
  if (!topic.startsWith(prefix) || !topic.endsWith("/job")) return undefined;
  const pool = topic.slice(prefix.length, -"/job".length);
  return pool.length > 0 && !pool.includes("/") ? pool : undefined;
}

/** `{dev, name}` of a `{site}/device/{dev}/cmd/{name}` topic, or undefined. */
export function parseDeviceCmdTopic(
  t: Topics,
  topic: string,
): { device: string; name: string } | undefined {
  const prefix = `${t.site}/device/`;
  if (!topic.startsWith(prefix)) return undefined;
  const parts = topic.slice(prefix.length).split("/");
  if (parts.length !== 3 || parts[1] !== "cmd" || !parts[0] || !parts[2]) return undefined;
  return { device: parts[0], name: parts[2] };
}

/** True when `replyTo` is a concrete topic under the site's reply prefix. */
export function isAllowedReplyTopic(t: Topics, replyTo: string): boolean {
  return (
    replyTo.startsWith(t.replyPrefix) &&
    replyTo.length > t.replyPrefix.length &&
    replyTo.length <= 256 &&
    !/[+#\u0000]/.test(replyTo)
  );
}
