import { IsNumber, IsOptional, IsString, Max, Min } from 'class-validator';

/** A temperature reading as devices publish it: `{"celsius": 21.5}`. */
export class TemperatureDto {
  @IsNumber() @Min(-273.15) @Max(1000) celsius!: number;
  /** Optional free text, e.g. the sensor model. */
  @IsOptional() @IsString() source?: string;
}
