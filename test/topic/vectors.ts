/** The shared topic vectors in test/fixtures, typed. Read from the repository, not from outside it. */
import { readFileSync } from 'node:fs';

/** One filter/topic case of topic-vectors.json. */
export interface MatchVector {
  readonly filter: string;
  readonly topic: string;
  readonly match: boolean;
  readonly source: string;
  /** Which inputs are invalid, when some are. */
  readonly error?: 'filter' | 'topic' | 'filter+topic';
  readonly shared?: boolean;
  readonly derived?: boolean;
  readonly note?: string;
}

/** One case of validity-vectors.json. */
export interface ValidityVector {
  readonly kind: 'topic' | 'filter';
  readonly value: string;
  readonly valid: boolean;
  readonly source: string;
  /** Present when the case is one broker's policy rather than the spec. */
  readonly scope?: string;
  readonly shared?: boolean;
  readonly note?: string;
}

function load<T>(name: string): readonly T[] {
  const url = new URL(`../../../test/fixtures/${name}`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as T[];
}

export const matchVectors = load<MatchVector>('topic-vectors.json');
export const validityVectors = load<ValidityVector>('validity-vectors.json');

/** A short printable form of a vector's string, for test names. */
export function show(text: string): string {
  const shown = text.length > 40 ? `${text.slice(0, 20)}…(${text.length} chars)` : text;
  return JSON.stringify(shown);
}
