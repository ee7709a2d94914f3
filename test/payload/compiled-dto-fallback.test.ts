/**
 * What the compiled DTO path leaves to class-transformer and class-validator: one case per
 * reason it gives, the debug line naming the class and the reason (once per logger), the
 * libraries' results for such a class, and the run-time hand-over of a payload it does not
 * reproduce (an untyped nested object with its own `constructor` key).
 */
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Exclude, Expose, plainToInstance, Transform, Type } from 'class-transformer';
import * as classValidator from 'class-validator';
import {
  IsInt,
  IsString,
  Validate,
  ValidateIf,
  ValidateNested,
  ValidatePromise,
  ValidatorConstraint,
  type ValidatorConstraintInterface,
  validateSync,
} from 'class-validator';
import type { IPublishPacket } from 'mqtt';
import { PayloadValidationError } from '../../src/errors.js';
import type { MqttLogger } from '../../src/logger.js';
import { compileDto, Unsupported } from '../../src/payload/compiled/index.js';
import { compilePayloadResolver } from '../../src/payload/decode.js';
import { loadDtoModules } from '../../src/payload/dto-modules.js';
import { InboundMessage } from '../../src/payload/message.js';

@ValidatorConstraint({ name: 'even' })
class Even implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'number' && value % 2 === 0;
  }
  defaultMessage(): string {
    return '$property must be even';
  }
}

@ValidatorConstraint({ name: 'slowEven', async: true })
class SlowEven implements ValidatorConstraintInterface {
  async validate(value: unknown): Promise<boolean> {
    return typeof value === 'number' && value % 2 === 0;
  }
}

class WithCustom {
  @Validate(Even) n!: number;
}
class WithAsync {
  @Validate(SlowEven) n!: number;
}
class WithTransform {
  @Transform(({ value }) => String(value).trim()) @IsString() name!: string;
}
class WithExpose {
  @Expose({ name: 'device_id' }) @IsString() deviceId!: string;
}
class WithExclude {
  @Exclude() secret?: string;
  @IsString() name!: string;
}
@Exclude()
class ExcludeAll {
  @Expose() @IsString() name!: string;
}
class WithValidateIf {
  @ValidateIf((o: { kind?: string }) => o.kind === 'a') @IsString() name!: string;
}
class WithContext {
  @IsString({ context: { code: 7 } }) name!: string;
}
class WithAccessor {
  @IsString() name!: string;
  get upper(): string {
    return this.name.toUpperCase();
  }
}
class WithPromise {
  @ValidatePromise() @IsInt() n!: number;
}
class Leaf {
  @IsInt() n!: number;
}
class WithDiscriminator {
  @ValidateNested()
  @Type(() => Leaf, { discriminator: { property: 'kind', subTypes: [{ value: Leaf, name: 'leaf' }] } })
  child!: Leaf;
}
class WithValueType {
  @ValidateNested() @Type((options) => (options?.object ? Leaf : Leaf)) child!: Leaf;
}
class WithObjectType {
  @ValidateNested() @Type(() => Object) child!: object;
}
class WithMap {
  @ValidateNested() @Type(() => Leaf) children!: Map<string, Leaf>;
}
class WithTwoNested {
  @ValidateNested() @ValidateNested({ each: true }) @Type(() => Leaf) child!: Leaf;
}
class WithToString {
  @IsString() toString!: () => string;
}
class WithUnsupportedChild {
  @ValidateNested() @Type(() => WithCustom) child!: WithCustom;
}

const CASES: Array<[string, Function, RegExp]> = [
  ['custom constraint class', WithCustom, /custom constraint even on n/],
  ['async constraint', WithAsync, /async constraint slowEven on n/],
  ['@Transform', WithTransform, /@Transform/],
  ['@Expose', WithExpose, /@Expose/],
  ['@Exclude', WithExclude, /@Exclude/],
  ['class-level @Exclude', ExcludeAll, /class-level @Expose\/@Exclude/],
  ['@ValidateIf', WithValidateIf, /@ValidateIf on name/],
  ['validation context', WithContext, /context on name/],
  ['accessor on the class', WithAccessor, /accessor upper/],
  ['@ValidatePromise', WithPromise, /promiseValidation on n/],
  ['@Type discriminator', WithDiscriminator, /discriminator on child/],
  ['@Type depending on the value', WithValueType, /depends on the value/],
  ['@Type(() => Object)', WithObjectType, /@Type\(\(\) => Object\)/],
  ['Map property', WithMap, /declared a Map/],
  ['two @ValidateNested', WithTwoNested, /two @ValidateNested on child/],
  ['property named like an Object.prototype member', WithToString, /property named toString/],
  ['nested class not compiled', WithUnsupportedChild, /nested WithCustom: custom constraint even/],
];

function message(payload: string): InboundMessage {
  const packet: IPublishPacket = {
    cmd: 'publish',
    topic: 't',
    payload: Buffer.from(payload),
    qos: 0,
    retain: false,
    dup: false,
  };
  return new InboundMessage(packet);
}

function recorder(): MqttLogger & { lines: Array<{ obj: object; msg: string | undefined }> } {
  const lines: Array<{ obj: object; msg: string | undefined }> = [];
  const keep = (obj: object, msg?: string) => lines.push({ obj, msg });
  return { lines, debug: keep, info: keep, warn: keep, error: keep };
}

describe('compiled DTO decoding: what is left to class-transformer and class-validator', () => {
  before(() => loadDtoModules());

  for (const [label, dto, reason] of CASES) {
    it(`${label}: not compiled, and says why`, () => {
      const compiled = compileDto(classValidator, dto, {});
      assert.ok(compiled instanceof Unsupported, `${dto.name} was compiled`);
      assert.match(compiled.reason, reason);
    });
  }

  it('logs one debug line per class naming it and the reason, however many handlers take it', () => {
    const logger = recorder();
    for (let i = 0; i < 3; i++) compilePayloadResolver(WithCustom, {}, {}, logger);
    assert.equal(logger.lines.length, 1);
    assert.deepEqual(logger.lines[0]!.obj, { dto: 'WithCustom', reason: 'custom constraint even on n' });
    assert.match(logger.lines[0]!.msg ?? '', /^WithCustom: validated by class-validator/);
  });

  it('says nothing for a compiled class', () => {
    const logger = recorder();
    compilePayloadResolver(Leaf, {}, {}, logger);
    assert.deepEqual(logger.lines, []);
  });

  it('validates a class it left to the libraries with the libraries', () => {
    const decode = compilePayloadResolver(WithCustom, {}, {}, recorder());
    assert.equal((decode(message('{"n":4}'), 'H.m') as WithCustom).n, 4);
    assert.throws(
      () => decode(message('{"n":3}'), 'H.m'),
      (error: unknown) => error instanceof PayloadValidationError && /n: n must be even/.test(error.message),
    );
  });

  it('hands a payload to the libraries at run time where it would not build the same thing', () => {
    class Holder {
      @ValidateNested() meta!: object;
      @IsString() name!: string;
    }
    const payload = '{"name":"a","meta":{"constructor":{}}}';
    const libraries = (() => {
      try {
        validateSync(plainToInstance(Holder, JSON.parse(payload) as object));
        return 'no error';
      } catch (error) {
        return (error as Error).message;
      }
    })();
    assert.notEqual(libraries, 'no error', 'class-transformer should throw on this payload');
    const decode = compilePayloadResolver(Holder, {}, {}, recorder());
    assert.throws(
      () => decode(message(payload), 'H.m'),
      (error: unknown) =>
        error instanceof PayloadValidationError &&
        error.message.includes(`cannot turn the payload into Holder: ${libraries}`),
    );
  });
});
