import type { BrokerLimits } from '../../src/index.js';
import type { BrokerProfile } from './profiles.js';

/** The columns of docs/brokers.md's broker table, each read from a profile. */
const COLUMNS: ReadonlyArray<readonly [string, (profile: BrokerProfile) => string]> = [
  ['Broker', (p) => p.name],
  ['Protocol', (p) => `MQTT ${p.protocol}`],
  [
    'MQTT 5 → 3.1.1',
    (p) =>
      ({
        native: 'not needed',
        connack: 'after CONNACK 0x01',
        close: 'after a close without CONNACK',
        configured: 'set protocolVersion: 4',
      })[p.fallback],
  ],
  ['Max QoS', (p) => String(p.maxQos)],
  ['Retained', (p) => p.retain],
  ['Max packet', (p) => (p.maxPacketSize === undefined ? '—' : `${p.maxPacketSize} B`)],
  ['Receive Maximum', (p) => (p.receiveMaximum === undefined ? '—' : String(p.receiveMaximum))],
  ['Shared subscriptions', (p) => (p.shared ? 'yes' : 'no')],
  ['Subscription ids', (p) => (p.subscriptionIds ? 'yes' : 'no')],
  ['Copies per overlap', (p) => p.copiesPerOverlap],
  ['`$` topics', (p) => p.dollarTopics],
  ['Unacked QoS 1 sent again', (p) => p.redelivery],
  ['Session expiry', (p) => (p.sessionExpiryCap === undefined ? 'as asked' : `≤ ${p.sessionExpiryCap} s`)],
  ['`brokerLimits` to declare', (p) => renderLimits(p.brokerLimits)],
  ['Known gaps', (p) => Object.keys(p.knownGaps ?? {}).join(', ') || '—'],
];

/** The table's header and one row per profile, as cells. */
export function profileTable(profiles: readonly BrokerProfile[]): string[][] {
  return [COLUMNS.map(([title]) => title), ...profiles.map((p) => COLUMNS.map(([, cell]) => cell(p)))];
}

/** The table as Markdown (what docs/brokers.md holds between its markers). */
export function renderProfileTable(profiles: readonly BrokerProfile[]): string {
  const [header, ...rows] = profileTable(profiles);
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header!), line(header!.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Reads the cells of the first Markdown table in `text` (the separator row left out). */
export function parseMarkdownTable(text: string): string[][] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('|'))
    .map((line) =>
      line
        .slice(1, line.endsWith('|') ? -1 : undefined)
        .split('|')
        .map((cell) => cell.trim()),
    )
    .filter((cells) => !cells.every((cell) => /^:?-+:?$/.test(cell)));
}

function renderLimits(limits: BrokerLimits): string {
  const entries = Object.entries(limits);
  if (entries.length === 0) return '—';
  return `\`{ ${entries.map(([key, value]) => `${key}: ${String(value)}`).join(', ')} }\``;
}
