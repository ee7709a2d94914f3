import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  ArrayUnique,
  Equals,
  IsDefined,
  IsEnum,
  IsIP,
  IsNotEmpty,
  IsNotEmptyObject,
  IsNumber,
  IsOptional,
  IsRFC3339,
  IsString,
  IsUrl,
  Matches,
  Validate,
  ValidateIf,
  ValidateNested,
  type ValidatorConstraintInterface,
} from 'class-validator';
import { ClassSchemas } from '../../src/asyncapi/class-schema.js';
import type { AsyncApiWarning, JsonSchema } from '../../src/asyncapi/json-schema.js';

function build(cls: Function): {
  schemas: Record<string, JsonSchema>;
  warnings: AsyncApiWarning[];
  ref: JsonSchema;
} {
  const warnings: AsyncApiWarning[] = [];
  const builder = new ClassSchemas((w) => warnings.push(w));
  const ref = builder.ref(cls);
  return { schemas: builder.schemas, warnings, ref };
}

class Always implements ValidatorConstraintInterface {
  validate(): boolean {
    return true;
  }
}

class Formats {
  @IsUrl() site!: string;
  @IsIP('4') v4!: string;
  @IsIP() anyIp!: string;
  @IsRFC3339() when!: string;
  @IsNotEmpty() @IsString() name!: string;
  @Equals('v1') version!: string;
  @Matches(/^a/i) caseless!: string;
  @IsDefined() anything!: unknown;
  @Validate(Always) custom!: string;
}

describe('ClassSchemas', () => {
  it('maps string formats and constraints, and names what it cannot express', () => {
    const { schemas, warnings, ref } = build(Formats);
    assert.deepEqual(ref, { $ref: '#/components/schemas/Formats' });
    const p = schemas.Formats!.properties!;
    assert.deepEqual(p.site, { type: 'string', format: 'uri' });
    assert.deepEqual(p.v4, { type: 'string', format: 'ipv4' });
    assert.equal(p.anyIp!.format, undefined);
    assert.deepEqual(p.anyIp!['x-koa-mqtt-unexpressed'], ['@IsIP: an IPv4 or IPv6 address']);
    assert.deepEqual(p.when, { type: 'string', format: 'date-time' });
    assert.deepEqual(p.name, { type: 'string', minLength: 1 });
    assert.deepEqual(p.version, { const: 'v1' });
    assert.deepEqual(p.caseless, {
      type: 'string',
      pattern: '^a',
      'x-koa-mqtt-unexpressed': ['@Matches: the pattern\'s flags "i"'],
    });
    assert.deepEqual(p.anything, {});
    assert.deepEqual(p.custom!['x-koa-mqtt-unexpressed'], ['@CustomValidation: customValidation']);
    assert.deepEqual(schemas.Formats!.required, Object.keys(p));
    assert.deepEqual(warnings.map((w) => w.where).sort(), [
      'Formats.anyIp',
      'Formats.caseless',
      'Formats.custom',
    ]);
  });

  it('arrays: each-constraints describe the items, array constraints the array', () => {
    class Arrays {
      @ArrayNotEmpty() @ArrayMaxSize(5) @ArrayUnique() @IsNumber({}, { each: true }) values!: number[];
    }
    const { schemas } = build(Arrays);
    assert.deepEqual(schemas.Arrays!.properties!.values, {
      type: 'array',
      minItems: 1,
      maxItems: 5,
      uniqueItems: true,
      items: { type: 'number' },
    });
  });

  it('@ValidateIf makes a field optional and says so', () => {
    class Conditional {
      @ValidateIf((o: Conditional) => o.kind === 'b') @IsString() extra?: string;
      @IsEnum({ A: 'a', B: 'b' }) kind!: string;
    }
    const { schemas, warnings } = build(Conditional);
    assert.deepEqual(schemas.Conditional!.required, ['kind']);
    assert.deepEqual(warnings, [
      { where: 'Conditional.extra', message: '@ValidateIf: validated only when its condition holds' },
    ]);
  });

  it('nested classes become one schema each, referenced; a nested field with more to say uses allOf', () => {
    class Leaf {
      @IsString() id!: string;
    }
    class Tree {
      @ValidateNested() @Type(() => Leaf) first!: Leaf;
      @IsOptional() @ValidateNested() @Type(() => Leaf) second?: Leaf;
      @ValidateNested({ each: true }) items!: Leaf[];
      @ValidateNested() @Type(() => Leaf) @IsNotEmptyObject() third!: Leaf;
    }
    const { schemas, warnings } = build(Tree);
    assert.deepEqual(Object.keys(schemas), ['Tree', 'Leaf']);
    const p = schemas.Tree!.properties!;
    assert.deepEqual(p.first, { $ref: '#/components/schemas/Leaf' });
    assert.deepEqual(p.second, { $ref: '#/components/schemas/Leaf' });
    assert.deepEqual(schemas.Tree!.required, ['first', 'items', 'third']);
    assert.deepEqual(p.third, { allOf: [{ $ref: '#/components/schemas/Leaf' }], minProperties: 1 });
    // Without @Type an array's item class is unknown at run time: reported, not guessed.
    assert.equal(p.items!.type, 'array');
    assert.equal(p.items!.items, undefined);
    assert.deepEqual(warnings, [
      {
        where: 'Tree.items',
        message: '@ValidateNested on an array without @Type(() => Class): item type unknown',
      },
    ]);
  });

  it('a class referring to itself is built once', () => {
    class Node {
      @IsString() name!: string;
      @IsOptional() @ValidateNested({ each: true }) @Type(() => Node) children?: Node[];
    }
    const { schemas } = build(Node);
    assert.deepEqual(schemas.Node!.properties!.children, {
      type: 'array',
      items: { $ref: '#/components/schemas/Node' },
    });
  });

  it('two classes with one name get distinct schema names', () => {
    const make = () => {
      class Same {
        @IsString() a!: string;
      }
      return Same;
    };
    const warnings: AsyncApiWarning[] = [];
    const builder = new ClassSchemas((w) => warnings.push(w));
    assert.deepEqual(builder.ref(make()), { $ref: '#/components/schemas/Same' });
    assert.deepEqual(builder.ref(make()), { $ref: '#/components/schemas/Same_2' });
  });
});
