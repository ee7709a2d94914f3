// Started by process-reaper.test.ts: starts a broker, prints its pid and dir, then ends WITHOUT
// closing it, in the way named by argv[2]: 'forget' (falls off the end), 'crash' (uncaught
// error) or 'sigterm' (stays alive until the test sends SIGTERM).
import { startMosquitto } from './mosquitto.js';

const mode = process.argv[2];
const broker = await startMosquitto({ persistence: true });
process.stdout.write(`${JSON.stringify({ pid: broker.pid, dir: broker.dir })}\n`);
if (mode === 'crash') throw new Error('fixture crash (expected)');
if (mode === 'sigterm') setInterval(() => {}, 60_000);
