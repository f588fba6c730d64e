// The shared engine's fairness: completions and chat answers each have a lane; a lane runs one job
// at a time and takes the connections (windows) in turn, so one window's burst of requests never
// starves another's, and the completion lane never waits for the chat lane.
export type LaneName = 'complete' | 'chat';

/** One kind of work: one job runs at a time, taken from the connections in turn. */
export class Lane<Job extends { conn: object }> {
  private readonly queues = new Map<object, Job[]>();
  private turn: object[] = [];
  running = false;

  push(job: Job): void {
    const queue = this.queues.get(job.conn) ?? [];
    if (!this.queues.has(job.conn)) {
      this.queues.set(job.conn, queue);
      this.turn.push(job.conn);
    }
    queue.push(job);
  }

  /** The next job, taking connections in turn. */
  next(): Job | undefined {
    for (let i = 0; i < this.turn.length; i++) {
      const conn = this.turn.shift()!;
      this.turn.push(conn);
      const job = this.queues.get(conn)?.shift();
      if (job) return job;
    }
    return undefined;
  }

  remove(job: Job): boolean {
    const queue = this.queues.get(job.conn);
    const at = queue?.indexOf(job) ?? -1;
    if (at < 0) return false;
    queue!.splice(at, 1);
    return true;
  }

  drop(conn: object): void {
    this.queues.delete(conn);
    this.turn = this.turn.filter((c) => c !== conn);
  }
}
