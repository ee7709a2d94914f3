import { runConformance } from './conformance.case.js';
import { PROFILES } from './profiles.js';

runConformance(PROFILES.mosquitto5);
