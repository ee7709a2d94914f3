import { Service } from 'typedi';
import type { TemperatureDto } from './temperature.dto.js';

export interface Reading {
  readonly deviceId: string;
  readonly celsius: number;
  readonly source: string | undefined;
  readonly receivedAt: string;
}

/** The latest temperature of each device. One instance, shared by MQTT and HTTP controllers. */
@Service()
export class ReadingStore {
  private readonly latest = new Map<string, Reading>();

  put(deviceId: string, reading: TemperatureDto): void {
    this.latest.set(deviceId, {
      deviceId,
      celsius: reading.celsius,
      source: reading.source,
      receivedAt: new Date().toISOString(),
    });
  }

  all(): Reading[] {
    return [...this.latest.values()].sort((a, b) => a.deviceId.localeCompare(b.deviceId));
  }
}
