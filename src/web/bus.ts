/**
 * The console's live feed: device events, job events, alerts and lockdown changes, fanned out to
 * every open SSE stream (`/api/v1/events`). It also remembers each device's last job and last
 * error for the device wall. Events carry ids and codes only, never job content.
 */
export interface WebEvent {
  type: string;
  ts: string;
  device?: string;
  job_id?: string;
  code?: string;
  [k: string]: unknown;
}

export interface DeviceActivity {
  lastJob?: { job_id: string; type: string; ts: string };
  lastError?: { code: string; ts: string; job_id?: string };
}

export interface WebBus {
  emit(e: WebEvent): void;
  /** Returns an unsubscribe function. */
  subscribe(fn: (e: WebEvent) => void): () => void;
  activity(device: string): DeviceActivity;
  /** The latest events, oldest first (for a console that just opened). */
  recent(): readonly WebEvent[];
}

const RECENT = 200;

export function createWebBus(): WebBus {
  const subs = new Set<(e: WebEvent) => void>();
  const act = new Map<string, DeviceActivity>();
  const recent: WebEvent[] = [];
  return {
    emit(e) {
      if (e.device !== undefined) {
        const a = act.get(e.device) ?? {};
        if (e.job_id !== undefined && e.type.startsWith("job."))
          a.lastJob = { job_id: e.job_id, type: e.type, ts: e.ts };
        if (e.code !== undefined)
          a.lastError = {
            code: e.code,
            ts: e.ts,
            ...(e.job_id !== undefined && { job_id: e.job_id }),
          };
        act.set(e.device, a);
      }
      recent.push(e);
      if (recent.length > RECENT) recent.shift();
      for (const s of subs) s(e);
    },
    subscribe(fn) {
      subs.add(fn);
      return () => subs.delete(fn);
    },
    activity: (device) => act.get(device) ?? {},
    recent: () => recent,
  };
}
