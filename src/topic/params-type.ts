/**
 * Topic-parameter types from pattern strings, at compile time: `TopicParamsOf<'alerts/+level/#rest'>`
 * is `{ level: string; rest: string }`. The same naming rule as `parsePattern`: a level `+name`
 * or `#name` carries a parameter; bare `+`, `#` and plain levels do not; a leading
 * `$share/{group}/` is not part of the topic.
 */

/** The names of a pattern's `+name` and `#name` levels, as a union of string literals. */
export type TopicParamNames<P extends string> = P extends `$share/${string}/${infer Rest}`
  ? LevelNames<Rest>
  : LevelNames<P>;

type LevelNames<P extends string> = P extends `${infer Level}/${infer Rest}`
  ? LevelName<Level> | LevelNames<Rest>
  : LevelName<P>;

type LevelName<L extends string> = L extends `+${infer Name}` | `#${infer Name}`
  ? Name extends ''
    ? never
    : Name
  : never;

/**
 * The parameters of a pattern: one string per named level. A pattern that is only known as
 * `string` gives `Record<string, string>`.
 */
export type TopicParamsOf<P extends string> = string extends P
  ? Readonly<Record<string, string>>
  : { readonly [K in TopicParamNames<P>]: string };
