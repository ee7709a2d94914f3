import { describe } from 'node:test';
import { createTestApp } from '../../src/testing/index.js';
import { runTestAppSuite } from './test-app.case.js';

describe('TestApp in memory', () => runTestAppSuite(createTestApp));
