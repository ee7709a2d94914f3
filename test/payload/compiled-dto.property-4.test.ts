/** Part 4 of 4 of the compiled DTO equivalence property test (see compiled-dto-equivalence.ts). */
import { equivalence } from './compiled-dto-equivalence.js';

equivalence(4, 10, 2500);
