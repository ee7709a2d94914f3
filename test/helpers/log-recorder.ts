import type { MqttLogger } from '../../src/index.js';
import { Recorder } from './recorder.js';

export interface LogLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly msg: string;
  readonly obj: Record<string, unknown>;
}

/** A logger recording every line (awaitable through `lines`), and the lines whose message matches. */
export function recordingLogger(): {
  logger: MqttLogger;
  lines: Recorder<LogLine>;
  matching(re: RegExp, level?: LogLine['level']): LogLine[];
} {
  const lines = new Recorder<LogLine>();
  const at =
    (level: LogLine['level']) =>
    (obj: object, msg?: string): void =>
      lines.record({ level, msg: msg ?? '', obj: obj as Record<string, unknown> });
  return {
    logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') },
    lines,
    matching: (re, level) =>
      lines.calls.filter((line) => re.test(line.msg) && (level === undefined || line.level === level)),
  };
}
