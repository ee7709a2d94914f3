import { Get, JsonController } from 'routing-controllers';
import { Service } from 'typedi';
import { type Reading, ReadingStore } from '../sensors/reading-store.js';

@Service()
@JsonController()
export class ReadingsController {
  constructor(private readonly readings: ReadingStore) {}

  /** The latest reading of every device that published one. */
  @Get('/readings')
  list(): Reading[] {
    return this.readings.all();
  }
}
