/** The part of JSON Schema (draft 7, as AsyncAPI 3.0's default schema format) the generator writes. */
export interface JsonSchema {
  type?: 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'null';
  $ref?: string;
  title?: string;
  description?: string;
  format?: string;
  pattern?: string;
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  multipleOf?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minProperties?: number;
  items?: JsonSchema;
  allOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  contentMediaType?: string;
  examples?: unknown[];
  /** What a class-validator constraint says that this schema cannot (see docs/asyncapi.md). */
  'x-koa-mqtt-unexpressed'?: string[];
}

/** Something the generator could not express in the document (it is also noted where it applies). */
export interface AsyncApiWarning {
  /** Where: `TemperatureDto.celsius`, `SensorController.temperature`… */
  readonly where: string;
  readonly message: string;
}
