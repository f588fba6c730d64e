// The decisions `npm start` makes before it starts VS Code, apart from the starting itself so they
// are tested in plain Node (test/unit/startPlan.test.ts):
//   - the port: the same one every time for a checkout (derived from its path), because VS Code in a
//     browser keeps its storage (the chat history, open editors, the layout) per origin, and a new
//     port is a new origin; when that port is busy, a free one, and the user is told what that means;
//   - the folder it opens: a copy of the sample workspace under .e2e/start/ (made when missing, then
//     left as the user changed it), so accepted suggestions and generated files never touch the
//     tracked test/e2e/sample-workspace/.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname } from 'node:path';

/** The range a checkout's port is taken from: above the usual development ports, below the
 * ephemeral range Linux hands out (32768+) to outgoing connections… mostly. */
export const PORT_RANGE = { first: 20_000, count: 12_000 } as const;

/** This checkout's own port: the same for the same path, different for another checkout. */
export function checkoutPort(checkoutPath: string): number {
  const hash = createHash('sha256').update(checkoutPath).digest();
  return PORT_RANGE.first + (hash.readUInt32BE(0) % PORT_RANGE.count);
}

/** Whether 127.0.0.1:port can be listened on now. */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export type PortChoice =
  | { port: number; source: 'environment' | 'checkout' }
  | { port: undefined; source: 'fallback'; busy: number }
  | { error: string };

/** ALEMBIC_PORT when set (it must be free), else the checkout's port, else a free one (undefined:
 * the caller lets the system pick). */
export async function choosePort(
  checkoutPath: string,
  fromEnvironment: string | undefined,
  isFree: (port: number) => Promise<boolean> = portIsFree,
): Promise<PortChoice> {
  if (fromEnvironment !== undefined && fromEnvironment.trim() !== '') {
    const port = Number(fromEnvironment);
    if (!Number.isInteger(port) || port < 1 || port > 65_535)
      return { error: `ALEMBIC_PORT=${fromEnvironment} is not a port number (1-65535).` };
    if (!(await isFree(port)))
      return { error: `ALEMBIC_PORT=${port} is in use: stop what listens there, or choose another port.` };
    return { port, source: 'environment' };
  }
  const own = checkoutPort(checkoutPath);
  if (await isFree(own)) return { port: own, source: 'checkout' };
  return { port: undefined, source: 'fallback', busy: own };
}

/** What to tell the user about the port (one or two sentences). */
export function describePortChoice(choice: Exclude<PortChoice, { error: string }>, actual: number): string {
  if (choice.source !== 'fallback')
    return choice.source === 'environment'
      ? `Port ${actual} (ALEMBIC_PORT).`
      : `Port ${actual}, this checkout's own: the same on every start, so the browser keeps the chat history.`;
  return (
    `Port ${choice.busy}, this checkout's own, is busy (another \`npm start\` of this checkout, or another program), ` +
    `so this session uses port ${actual}. The browser sees a new address there: what it kept for the usual port ` +
    `(the chat history, open editors, the layout) is not shown in this session; stop the other one and start ` +
    `again to get it back.`
  );
}

/** Copies the sample workspace to `target` when `target` does not exist; returns whether it did. */
export function prepareDemoWorkspace(sample: string, target: string): boolean {
  if (existsSync(target)) return false;
  mkdirSync(dirname(target), { recursive: true });
  cpSync(sample, target, { recursive: true });
  return true;
}
