/**
 * The event bus between services and hosts. Hosts forward these events to
 * the UI (IPC, WebSocket); the names and payloads are the contract's events.
 */
import type { EventName, EventPayload, OutputLine } from '../../core/contract/index.js';
import { redactSecrets } from '../../core/contract/index.js';
import type { ErrorLog } from './error-log.js';

export type EventListener = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

export class EventBus {
  private listeners = new Set<EventListener>();
  subscribe(l: EventListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    for (const l of this.listeners) {
      try {
        l(event, payload);
      } catch {
        // A failing listener (a closed socket) must not stop the others.
      }
    }
  }
}

/** The Output panel's log: a ring buffer of recent lines, also echoed to an optional sink (stderr for the CLI). */
export class OutputLog {
  private lines: OutputLine[] = [];
  /** Where internal errors' messages and stacks go (the workspace's logs/charter.log); the panel shows their id. */
  errorLog: ErrorLog | null = null;
  constructor(
    private readonly bus: EventBus,
    private readonly sink?: (line: OutputLine) => void,
    private readonly max = 500,
  ) {}
  write(level: OutputLine['level'], source: string, message: string): void {
    // Belt and braces: a message is plain text, but never let an object with a secret through.
    const line: OutputLine = { time: new Date().toISOString(), level, source, message: String(redactSecrets(message)) };
    this.lines.push(line);
    if (this.lines.length > this.max) this.lines.splice(0, this.lines.length - this.max);
    this.sink?.(line);
    this.bus.emit('output.line', line);
  }
  info(source: string, message: string): void {
    this.write('info', source, message);
  }
  warn(source: string, message: string): void {
    this.write('warn', source, message);
  }
  error(source: string, message: string): void {
    this.write('error', source, message);
  }
  recent(): OutputLine[] {
    return [...this.lines];
  }
}
