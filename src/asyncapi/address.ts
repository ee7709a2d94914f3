import type { AsyncApiParameter } from './document.js';

/**
 * An MQTT pattern as an AsyncAPI channel address. AsyncAPI has one-level `{parameters}` and no
 * wildcards, so (the rule, also in docs/asyncapi.md):
 * - `+name` → `{name}`, one level;
 * - `#name` → `{name}`, the remaining levels: zero or more, joined by '/'; with none, the '/'
 *   before it is absent too (`logs/{rest}` stands for `logs` and `logs/a/b`);
 * - unnamed `+` at level N (from 1) → `{levelN}`; unnamed `#` → `{rest}` (suffixed `_2`… when
 *   the code already uses the name);
 * each parameter says which wildcard it stands for in `x-koa-mqtt-wildcard`.
 */
export function channelAddress(pattern: string): {
  address: string;
  parameters: Record<string, AsyncApiParameter>;
} {
  const levels = pattern.split('/');
  const taken = new Set(
    levels
      .filter((level) => level.length > 1 && (level[0] === '+' || level[0] === '#'))
      .map((l) => l.slice(1)),
  );
  const parameters: Record<string, AsyncApiParameter> = {};
  const address = levels.map((level, index) => {
    const wildcard = level[0];
    if (wildcard !== '+' && wildcard !== '#') return level;
    let name = level.slice(1);
    const unnamed = name === '';
    if (unnamed) {
      name = unique(wildcard === '+' ? `level${index + 1}` : 'rest', taken);
      taken.add(name);
    }
    parameters[name] = wildcard === '+' ? oneLevel(unnamed) : multiLevel(unnamed);
    return `{${name}}`;
  });
  return { address: address.join('/'), parameters };
}

function unique(base: string, taken: ReadonlySet<string>): string {
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base}_${n}`;
  return name;
}

const unnamedNote = ' Unnamed in the code; the name is the generator’s.';

function oneLevel(unnamed: boolean): AsyncApiParameter {
  return {
    description: `One topic level (the MQTT + wildcard): any text without "/".${unnamed ? unnamedNote : ''}`,
    'x-koa-mqtt-wildcard': 'one-level',
  };
}

function multiLevel(unnamed: boolean): AsyncApiParameter {
  return {
    description: `The remaining topic levels (the MQTT # wildcard): zero or more levels joined by "/"; with none, the "/" before it is absent too.${unnamed ? unnamedNote : ''}`,
    'x-koa-mqtt-wildcard': 'multi-level',
  };
}

/** A channel or operation id from an address: `sensors/{deviceId}/temperature` → `sensors.deviceId.temperature`. */
export function idFrom(text: string): string {
  const id = text
    .replace(/[{}]/g, '')
    .replace(/[^\w.-]+/g, '.')
    .replace(/^\.+|\.+$/g, '');
  return id === '' ? 'root' : id;
}
