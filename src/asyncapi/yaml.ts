/**
 * A JSON value as YAML 1.2 block text: mappings and sequences in blocks, strings plain when
 * that reads back as the same string, else double-quoted (JSON escapes are valid YAML ones).
 * Enough for AsyncAPI documents; not a general YAML library.
 */
export function toYaml(value: unknown): string {
  const lines: string[] = [];
  emit(value, 0, lines);
  return `${lines.join('\n')}\n`;
}

function emit(value: unknown, indent: number, lines: string[]): void {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    if (value.length === 0) {
      lines.push(`${pad}[]`);
      return;
    }
    for (const item of value) {
      if (isBlock(item)) {
        const nested: string[] = [];
        emit(item, indent + 2, nested);
        lines.push(`${pad}- ${nested[0]!.slice(indent + 2)}`, ...nested.slice(1));
      } else lines.push(`${pad}- ${scalar(item)}`);
    }
    return;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) {
      lines.push(`${pad}{}`);
      return;
    }
    for (const [key, item] of entries) {
      if (isBlock(item)) {
        lines.push(`${pad}${text(key)}:`);
        emit(item, indent + 2, lines);
      } else lines.push(`${pad}${text(key)}: ${scalar(item)}`);
    }
    return;
  }
  lines.push(`${pad}${scalar(value)}`);
}

function isBlock(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  return value !== null && typeof value === 'object' && Object.keys(value).length > 0;
}

function scalar(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return text(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '.nan';
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return '[]';
  if (typeof value === 'object') return '{}';
  return JSON.stringify(String(value));
}

/** Plain only for letters, digits and a few safe marks, and never a word YAML reads as another type. */
const PLAIN = /^[A-Za-z_][\w .\-/]*$/;
const RESERVED = /^(true|false|yes|no|on|off|null|y|n|~)$/i;

function text(value: string): string {
  if (PLAIN.test(value) && !RESERVED.test(value) && !value.endsWith(' ')) return value;
  return JSON.stringify(value);
}
