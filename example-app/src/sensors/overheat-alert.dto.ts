import { IsISO8601, IsNumber } from 'class-validator';

/** Published to `alerts/{deviceId}/overheat` when a reading is above the alert threshold. */
export class OverheatAlertDto {
  @IsNumber() celsius!: number;
  @IsNumber() threshold!: number;
  @IsISO8601() at!: string;
}
