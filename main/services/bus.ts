/**
 * The event bus between services and hosts. Hosts forward these events to
 * the UI (IPC, WebSocket); the names and payloads are the contract's events.
 */
import type { EventName, EventPayload, OutputLine } from '../../core/contract/index.js';
import { redactSecrets } from '../../core/contract/index.js';
import { ERROR_LOG_NAME, newErrorId, type ErrorLog } from './error-log.js';

/** A stack frame line ("    at fn (/path/file.js:1:2)"): such text belongs in the error log, not the panel. */
const STACK_FRAME = /\n\s+at\s/;

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
    let text = String(redactSecrets(message));
    // A message with a stack (a component that logged one): kept in the error log, the panel gets its id.
    if (this.errorLog && STACK_FRAME.test(text)) {
      const errorId = newErrorId();
      const logged = this.errorLog.record({ errorId, source, error: text });
      text = `internal error ${errorId} in ${source}: ${logged ? `see ${ERROR_LOG_NAME} in the workspace` : 'the error log could not be written'}`;
    }
    const line: OutputLine = { time: new Date().toISOString(), level, source, message: text };
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
