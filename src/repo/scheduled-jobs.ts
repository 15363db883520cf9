// Due times of the jobs the Durable Object's single alarm runs (table `scheduled_jobs`). The
// alarm is always set to the earliest due job, so one job never postpones another (a push
// re-arming the upload sweeper must not push back a webhook retry). Per object, not per repo.
export type JobName = 'sweep' | 'maintenance';

export class ScheduledJobs {
  constructor(private readonly sql: SqlStorage) {}

  due(job: JobName): number | null {
    return this.sql.exec<{ due: number }>(`SELECT due FROM scheduled_jobs WHERE job = ?`, job).toArray()[0]?.due ?? null;
  }

  set(job: JobName, at: number): void {
    this.sql.exec(`INSERT INTO scheduled_jobs (job, due) VALUES (?, ?) ON CONFLICT(job) DO UPDATE SET due = excluded.due`, job, at);
  }

  clear(job: JobName): void {
    this.sql.exec(`DELETE FROM scheduled_jobs WHERE job = ?`, job);
  }
}

/** The earliest of several optional times. */
export function earliest(...times: (number | null)[]): number | null {
  const t = times.filter((x): x is number => x !== null);
  return t.length ? Math.min(...t) : null;
}
