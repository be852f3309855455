/**
 * How `npm start` shows the functions' log lines and the API's access log: the same Powertools lines, with the same
 * fields, as one readable line each on a terminal (LOG_FORMAT=text, the default), or as the JSON lines Lambda writes
 * (LOG_FORMAT=json, for jq). At LOG_LEVEL (default INFO).
 *
 *   14:02:07.118 INFO  api       PUT /carts/cart-1/lines/sku-1 200 12 ms  requestId=… integrationRequestId=… scope=inventory/storefront …
 *   14:02:17.005 INFO  sweeper   Released lapsed carts  released=1 function_request_id=…
 *   14:02:17.311 ERROR stream    Stream record failed: …  sequenceNumber=… function_request_id=…
 *       Error: …
 *           at …
 *
 * The text leaves out what is the same on every line or says nothing locally (service, sampling_rate, function_arn,
 * function_memory_size, a false cold_start) and, in access lines, what the message already says; a field with no value
 * ("-" in the access log) is left out too. Every other field is there, as key=value.
 */
import { LogLevelThreshold, type LogItem, type Logger } from '@aws-lambda-powertools/logger';
import type { ConstructorOptions, LogLevel } from '@aws-lambda-powertools/logger/types';
import { ServiceLogger } from '../../functions/commons/logger';

export type LogFormat = 'text' | 'json';
export const LOG_FORMATS: readonly LogFormat[] = ['text', 'json'];
export const LOG_LEVELS = Object.keys(LogLevelThreshold) as readonly LogLevel[];

export interface TerminalOptions {
  format: LogFormat;
  /** The line's source when it has no function_name (the access log: `api`). */
  tag?: string;
  /** Where lines go. @default stdout (WARN and above: stderr) */
  write?: (line: string, level: number) => void;
  /** Colour the level. @default when stdout is a terminal and NO_COLOR is unset */
  color?: boolean;
}

const HIDDEN = new Set(['timestamp', 'level', 'message', 'service', 'sampling_rate', 'function_arn', 'function_memory_size', 'function_name']);
/** Access-log fields the text line's message already shows. */
const IN_ACCESS_MESSAGE = new Set(['method', 'path', 'status', 'responseLatency', 'requestTime']);
const COLORS: Record<string, string> = { TRACE: '90', DEBUG: '90', INFO: '36', WARN: '33', ERROR: '31', CRITICAL: '35' };

const defaultWrite = (line: string, level: number) => (level >= LogLevelThreshold.WARN ? process.stderr : process.stdout).write(`${line}\n`);

/** `inventory-stream-processor-local` → `stream`; the tag, else. */
function sourceOf(attributes: Record<string, unknown>, tag: string | undefined): string {
  const fn = typeof attributes.function_name === 'string' ? attributes.function_name : undefined;
  if (!fn) return tag ?? '';
  const short = fn.replace(/^inventory-/, '').replace(/-local$/, '');
  return short === 'stream-processor' ? 'stream' : short;
}

const shown = (v: unknown): string => {
  if (typeof v === 'string') return v === '' || /[\s"=]/.test(v) ? JSON.stringify(v) : v;
  return JSON.stringify(v);
};

/** One log item as a terminal line (and an error's stack below it). */
export function textLine(attributes: Record<string, unknown>, options: { tag?: string; color?: boolean } = {}): string {
  const time = typeof attributes.timestamp === 'string' ? new Date(attributes.timestamp) : new Date();
  const hhmmss = `${String(time.getHours()).padStart(2, '0')}:${String(time.getMinutes()).padStart(2, '0')}:${String(time.getSeconds()).padStart(2, '0')}.${String(time.getMilliseconds()).padStart(3, '0')}`;
  const level = String(attributes.level ?? '');
  const levelText = options.color && COLORS[level] ? `\x1b[${COLORS[level]}m${level.padEnd(5)}\x1b[0m` : level.padEnd(5);
  const access = options.tag === 'api' && !attributes.function_name;
  let stack: string | undefined;
  const fields: string[] = [];
  for (const [key, value] of Object.entries(attributes)) {
    if (HIDDEN.has(key) || value === undefined || value === null || value === '-') continue;
    if (key === 'cold_start' && value !== true) continue;
    if (access && IN_ACCESS_MESSAGE.has(key)) continue;
    if (key === 'error' && value && typeof value === 'object') {
      const e = value as { name?: string; message?: string; stack?: string };
      fields.push(`error=${shown(`${e.name ?? 'Error'}: ${e.message ?? ''}`)}`);
      stack = e.stack;
      continue;
    }
    fields.push(`${key}=${shown(value)}`);
  }
  const line = `${hhmmss} ${levelText} ${sourceOf(attributes, options.tag).padEnd(9)} ${String(attributes.message ?? '')}${fields.length ? `  ${fields.join(' ')}` : ''}`;
  return stack ? `${line}\n${stack.replace(/^/gm, '    ')}` : line;
}

/** A ServiceLogger that prints for a terminal (its children, per invocation, too). */
export class TerminalLogger extends ServiceLogger {
  readonly #terminal: Required<Pick<TerminalOptions, 'format' | 'write' | 'color'>> & { tag?: string };

  constructor(options: ConstructorOptions, terminal: TerminalOptions) {
    super(options);
    this.#terminal = {
      format: terminal.format,
      tag: terminal.tag,
      write: terminal.write ?? defaultWrite,
      color: terminal.color ?? (!!process.stdout.isTTY && !process.env.NO_COLOR),
    };
  }

  protected override printLog(logLevel: number, log: LogItem): void {
    log.prepareForPrint();
    const attributes = log.getAttributes() as Record<string, unknown>;
    const { format, tag, write, color } = this.#terminal;
    write(format === 'json' ? JSON.stringify(attributes, this.getJsonReplacer()) : textLine(attributes, { tag, color }), logLevel);
  }

  protected override createLogger(options?: ConstructorOptions): Logger {
    return new TerminalLogger(options ?? {}, this.#terminal);
  }
}
