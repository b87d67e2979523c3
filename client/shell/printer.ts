// Where results, errors and watch events go: zkCli's text, or one JSON value per result (--json).
import type { WatchedEvent } from '../index.js';
import type { CommandResult } from './commands/types.js';
import { UsageError, errorJson, errorText } from './errors.js';
import { eventLine, eventTypeName, keeperStateName } from './format.js';

export interface TextSink {
  write(text: string): unknown;
}

export class Printer {
  /** Called after an event is printed while the shell is idle (the REPL redraws its prompt). */
  afterAsyncOutput: () => void = () => undefined;
  /** Called before an event is printed (the REPL clears the line being typed). */
  beforeAsyncOutput: () => void = () => undefined;

  constructor(private readonly json: boolean, private readonly out: TextSink, private readonly err: TextSink) {}

  result(result: CommandResult): void {
    if (this.json) {
      if (result.json !== null) this.out.write(`${JSON.stringify(result.json)}\n`);
      return;
    }
    if (result.lines.length > 0) this.out.write(`${result.lines.join('\n')}\n`);
  }

  error(error: unknown): void {
    if (this.json) {
      this.out.write(`${JSON.stringify(errorJson(error))}\n`);
      return;
    }
    const usage = error instanceof UsageError && error.usage !== '' ? `\nusage: ${error.usage}` : '';
    this.err.write(`${errorText(error)}${usage}\n`);
  }

  /** A line for the person (stderr in every mode, so --json stdout stays one value per line). */
  notice(text: string): void {
    this.err.write(`${text}\n`);
  }

  event(event: WatchedEvent): void {
    this.beforeAsyncOutput();
    if (this.json) {
      const body = { type: eventTypeName(event.type), state: keeperStateName(event.state), path: event.path, zxid: event.zxid };
      this.out.write(`${JSON.stringify({ event: body })}\n`);
    } else {
      this.out.write(`\nWATCHER::\n\n${eventLine(event)}\n`);
    }
    this.afterAsyncOutput();
  }
}
