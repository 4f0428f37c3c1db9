/**
 * The Action's entry point (bundled into dist/index.js): run, then set the
 * step's failure once. Everything else is in runner.ts.
 */
import * as core from '@actions/core';
import { runAction } from './runner.js';

const result = await runAction();
if (result.failure) core.setFailed(result.failure);
